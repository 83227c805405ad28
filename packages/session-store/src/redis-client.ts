import { Redis } from 'ioredis';

/** The two pino-style log methods the client uses: object first, then a short constant message. */
export interface RedisClientLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface RedisClientOptions {
  /** Time after which a command that got no reply is rejected, in milliseconds. */
  commandTimeoutMs?: number;
  /** Time allowed for the TCP connection to Redis to open, in milliseconds. */
  connectTimeoutMs?: number;
  /** Maximum delay between two reconnection attempts, in milliseconds. */
  maxReconnectDelayMs?: number;
  logger?: RedisClientLogger;
}

const DEFAULTS = Object.freeze({
  commandTimeoutMs: 500,
  connectTimeoutMs: 1000,
  maxReconnectDelayMs: 2000,
  reconnectDelayStepMs: 100,
});

const SILENT_LOGGER: RedisClientLogger = { info() {}, warn() {} };

/**
 * Creates an ioredis client that fails fast while Redis is down and reconnects on its own when it
 * returns, so a service recovers without a restart.
 *
 * ioredis by default queues commands while disconnected and retries each one 20 times, which turns an
 * outage into requests that hang for tens of seconds. Here a command sent while disconnected is rejected
 * at once, a command sent to a server that stopped replying is rejected after `commandTimeoutMs`, and
 * reconnection goes on forever with a delay that grows by 100 ms per attempt up to `maxReconnectDelayMs`.
 *
 * The client connects at once and logs one line per change of state ('redis connected',
 * 'redis unavailable', 'redis reconnected'), never one per failed attempt.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? DEFAULTS.maxReconnectDelayMs;
  const logger = options.logger ?? SILENT_LOGGER;

  for (const [name, value] of Object.entries({ commandTimeoutMs, connectTimeoutMs, maxReconnectDelayMs })) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new TypeError(`${name} must be a positive whole number of milliseconds, got ${value}`);
    }
  }

  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    // A server that accepts the connection but stops replying is dropped and reconnected, so commands
    // after the first timeout fail at once instead of each waiting for its own timeout.
    socketTimeout: Math.max(2 * commandTimeoutMs, connectTimeoutMs),
    retryStrategy: (attempt) => Math.min(attempt * DEFAULTS.reconnectDelayStepMs, maxReconnectDelayMs),
    lazyConnect: false,
    // Commands issued in the same event-loop turn go to Redis in one write, so a replica serving many
    // session requests at once pays one system call per batch instead of one per lookup.
    enableAutoPipelining: true,
  });

  watchConnectionState(client, logger);
  return client;
}

/** Logs each change between connected and unavailable once; repeated failed attempts stay silent. */
function watchConnectionState(client: Redis, logger: RedisClientLogger): void {
  let state: 'connecting' | 'ready' | 'unavailable' = 'connecting';
  let lastError: Error | undefined;

  // Without an 'error' listener ioredis prints every failed attempt to stderr.
  client.on('error', (error: Error) => {
    lastError = error;
  });

  client.on('ready', () => {
    const { host, port } = client.options;
    logger.info({ redis: { host, port } }, state === 'unavailable' ? 'redis reconnected' : 'redis connected');
    state = 'ready';
    lastError = undefined;
  });

  // ioredis emits 'reconnecting' only for a connection it did not close on purpose, so quit() and
  // disconnect() log nothing here.
  client.on('reconnecting', () => {
    if (state === 'unavailable') {
      return;
    }
    const { host, port } = client.options;
    logger.warn({ redis: { host, port }, err: lastError }, 'redis unavailable');
    state = 'unavailable';
  });
}

/**
 * Resolves true once `client` is connected and ready for commands, or false after `timeoutMs`. It never
 * rejects, so a caller can wait for Redis at start-up without failing when Redis is down.
 */
export function waitForRedisReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') {
    return Promise.resolve(true);
  }

  return new Promise((resolve) => {
    const finish = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => finish(true);
    const timer = setTimeout(() => finish(false), timeoutMs);
    client.on('ready', onReady);
  });
}
