import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { corsPolicyPlugin } from '@authlab/cors-policy';
import { handleFrameworkError, httpErrorsPlugin } from '@authlab/http-errors';
import { LoginThrottle } from '@authlab/login-throttle';
import {
  createRedisClient,
  MemorySessionStore,
  RedisSessionStore,
  waitForRedisReady,
} from '@authlab/session-store';
import { buildUserDirectory, type UserDirectory } from '@authlab/users';
import fastifyCookie from '@fastify/cookie';
import fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { ApiConfig } from './config.js';
import { serializeRequest } from './log-serializers.js';
import { cookieSessionStrategyPlugin } from './plugins/cookie-session-strategy.js';
import { replicaHeadersPlugin } from './plugins/replica-headers.js';
import { routeCookiePlugin } from './plugins/route-cookie.js';
import { sessionStrategyPlugin } from './plugins/session-strategy.js';
import { basicRoutes } from './routes/basic.js';
import { healthRoutes } from './routes/health.js';
import { jwtRoutes } from './routes/jwt.js';
import { publicRoutes } from './routes/public.js';

export { type ApiConfig, apiConfigSchema, loadConfig } from './config.js';
export { apiErrors } from './errors.js';

export interface BuildAppOptions {
  /** Destination of the JSON log lines (stdout when absent), or false to turn logging off. */
  logger?: false | { stream: { write(line: string): void } };
  /** A Redis client the caller owns and closes; the app creates and closes its own when absent. */
  redis?: Redis;
  /** Accounts that may sign in; the published demo users when absent. */
  users?: UserDirectory;
}

/** Paths pino replaces with "[redacted]": credentials in headers and any password or token field. */
const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
];

// nginx sends a 32-character hex $request_id; anything else a client sends is replaced, not echoed.
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Maximum time start-up waits for Redis, in milliseconds. The replica serves anyway, and session-redis
 * responds with 503 until Redis connects.
 */
const REDIS_STARTUP_WAIT_MS = 1000;

/**
 * Builds one replica: `GET /jwt/me`, the `session-memory`, `session-redis`, `cookie-session` and `basic`
 * strategies, `/healthz` and `/readyz`. The instance is not started; call `listen` (src/server.ts) or `inject` (tests).
 */
export function buildApp(config: ApiConfig, options: BuildAppOptions = {}): FastifyInstance {
  const app = fastify({
    logger:
      options.logger === false
        ? false
        : {
            level: config.logLevel,
            redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
            serializers: { req: serializeRequest },
            ...(options.logger ? { stream: options.logger.stream } : {}),
          },
    requestIdHeader: false,
    genReqId: readRequestId,
    trustProxy: config.trustProxy.length > 0 ? [...config.trustProxy] : false,
    bodyLimit: config.bodyLimitBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Requests that arrive on open connections while the server closes are served normally instead of
    // getting fastify's bare 503, which would lack X-Served-By and Retry-After.
    return503OnClosing: false,
    // fastify's defaults coerce types and silently drop unknown fields; a login body must match exactly.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    frameworkErrors: buildFrameworkErrorHandler(config.replicaId),
  });

  // JSON only: a text/plain body (which a cross-site form can send without a preflight) gets 415.
  app.removeContentTypeParser('text/plain');

  const ownsRedis = options.redis === undefined;
  const redis =
    options.redis ??
    createRedisClient(config.redisUrl, { commandTimeoutMs: config.redisCommandTimeoutMs, logger: app.log });
  const users = options.users ?? buildUserDirectory();

  app.addHook('onReady', async function waitForRedis() {
    await waitForRedisReady(redis, REDIS_STARTUP_WAIT_MS);
  });
  if (ownsRedis) {
    app.addHook('onClose', async function closeRedis() {
      await closeRedisClient(redis);
    });
  }

  app.register(replicaHeadersPlugin, { replicaId: config.replicaId });
  app.register(routeCookiePlugin, { replicaId: config.replicaId });
  app.register(httpErrorsPlugin);
  // CORS comes before every other hook, so a browser's preflight gets its 204 before a session or token
  // check can reject it.
  app.register(corsPolicyPlugin, { allowedOrigins: config.corsOrigins });
  app.register(fastifyCookie);

  app.register(healthRoutes, { config, redis });
  app.register(publicRoutes, { config });
  app.register(jwtRoutes, { config, redis });
  // The same counters, in the same Redis keys, as the auth service's login throttle: a guess through Basic,
  // a session login or the auth service's login form counts against the same account.
  const loginThrottle = new LoginThrottle(redis, {
    maxFailuresPerAccount: config.loginMaxFailuresPerAccount,
    maxFailuresPerClient: config.loginMaxFailuresPerClient,
    windowSeconds: config.loginFailureWindowSeconds,
  });
  // Sessions in this process only, forgotten when their cookie expires.
  const memoryStore = new MemorySessionStore();
  app.addHook('onClose', async function stopMemoryStoreSweep() {
    memoryStore.close();
  });
  app.register(sessionStrategyPlugin, {
    strategy: 'session-memory',
    cookieName: 'sid_memory',
    store: memoryStore,
    config,
    users,
    loginThrottle,
  });
  app.register(sessionStrategyPlugin, {
    strategy: 'session-redis',
    cookieName: 'sid_redis',
    store: new RedisSessionStore(redis),
    config,
    users,
    loginThrottle,
  });
  app.register(cookieSessionStrategyPlugin, { config, users, loginThrottle });
  app.register(basicRoutes, { config, users, loginThrottle });

  return app;
}

/**
 * Sends the response for errors that fastify raises before routing (an undecodable URL). They skip the
 * onSend hooks, so the replica headers are set here before the shared handler sends the lab's error body.
 */
function buildFrameworkErrorHandler(replicaId: string) {
  return function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    reply.headers({ 'x-served-by': replicaId, 'x-request-id': request.id, 'cache-control': 'no-store' });
    return handleFrameworkError(error, request, reply);
  };
}

function readRequestId(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
}

async function closeRedisClient(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
