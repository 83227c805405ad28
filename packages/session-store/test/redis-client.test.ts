import { findFreePort, type RedisServer, startRedisServer, waitUntil } from '@authlab/cluster';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { createRedisClient, type RedisClientLogger, waitForRedisReady } from '../src/index.js';

interface LogLine {
  level: 'info' | 'warn';
  object: object;
  message: string;
}

function captureLogger(): { logger: RedisClientLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    logger: {
      info: (object, message) => lines.push({ level: 'info', object, message }),
      warn: (object, message) => lines.push({ level: 'warn', object, message }),
    },
  };
}

// Tests that stop and restart Redis run a redis-server process of their own rather than the shared test
// helper, which may hand out a container.
async function startOwnRedis(): Promise<RedisServer> {
  const host = '127.0.0.1';
  return startRedisServer({ host, port: await findFreePort(host) });
}

describe('createRedisClient', () => {
  let redis: RedisServer | undefined;
  let client: Redis | undefined;

  afterEach(async () => {
    client?.disconnect();
    client = undefined;
    await redis?.stop();
    redis = undefined;
  });

  it('configures ioredis to fail fast', async () => {
    redis = await startTestRedis();
    client = createRedisClient(redis.url, { commandTimeoutMs: 250, connectTimeoutMs: 700 });

    expect(client.options.enableOfflineQueue).toBe(false);
    expect(client.options.enableAutoPipelining).toBe(true);
    expect(client.options.maxRetriesPerRequest).toBe(0);
    expect(client.options.commandTimeout).toBe(250);
    expect(client.options.connectTimeout).toBe(700);
    expect(client.options.retryStrategy?.(1)).toBe(100);
    expect(client.options.retryStrategy?.(1_000)).toBe(2_000);
  });

  it('rejects a command at once while Redis is down', async () => {
    redis = await startOwnRedis();
    client = createRedisClient(redis.url);
    expect(await waitForRedisReady(client, 5_000)).toBe(true);
    await redis.stop();

    const startedAt = performance.now();
    await expect(client.get('key')).rejects.toThrow();

    expect(performance.now() - startedAt).toBeLessThan(1_000);
  });

  it('logs one line per outage and one per recovery', async () => {
    redis = await startOwnRedis();
    const { host, port } = redis;
    const { logger, lines } = captureLogger();
    client = createRedisClient(redis.url, { logger, maxReconnectDelayMs: 100 });
    expect(await waitForRedisReady(client, 5_000)).toBe(true);

    await redis.stop();
    const stoppedClient = client;
    await waitUntil(async () => stoppedClient.status === 'reconnecting', {
      timeoutMs: 2_000,
      description: 'the client to notice the outage',
    });
    // Several reconnection attempts fail during this pause; none of them may add a line.
    await new Promise((resolve) => setTimeout(resolve, 600));
    redis = await startRedisServer({ host, port });
    await waitUntil(async () => stoppedClient.status === 'ready', {
      timeoutMs: 5_000,
      description: 'the client to reconnect',
    });

    expect(lines.map((line) => [line.level, line.message])).toEqual([
      ['info', 'redis connected'],
      ['warn', 'redis unavailable'],
      ['info', 'redis reconnected'],
    ]);
    expect(lines[1]?.object).toMatchObject({ redis: { host, port } });
  });

  it('logs nothing when the client is closed on purpose', async () => {
    redis = await startTestRedis();
    const { logger, lines } = captureLogger();
    client = createRedisClient(redis.url, { logger });
    expect(await waitForRedisReady(client, 5_000)).toBe(true);

    await client.quit();

    expect(lines.map((line) => line.message)).toEqual(['redis connected']);
  });

  it('rejects a non-positive command timeout', () => {
    expect(() => createRedisClient('redis://127.0.0.1:1', { commandTimeoutMs: 0 })).toThrow(
      'commandTimeoutMs must be a positive whole number of milliseconds, got 0',
    );
  });
});
