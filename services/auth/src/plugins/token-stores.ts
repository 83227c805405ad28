import { LoginThrottle, LoginThrottleUnavailableError } from '@authlab/login-throttle';
import { AccessTokenDenylist, DenylistUnavailableError } from '@authlab/revocation';
import { createRedisClient, waitForRedisReady } from '@authlab/session-store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { AuthConfig } from '../config.js';
import { createAuthError } from '../errors.js';
import { RefreshTokenStore, TokenStoreUnavailableError } from '../refresh-token-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Redis client shared by the refresh tokens, the denylist and the login throttle. */
    redis: Redis;
    refreshTokens: RefreshTokenStore;
    accessTokenDenylist: AccessTokenDenylist;
    loginThrottle: LoginThrottle;
  }
}

/** Maximum time start-up waits for Redis. The service starts anyway and responds with 503 until Redis connects. */
const REDIS_STARTUP_WAIT_MS = 1000;

export interface TokenStoresOptions {
  config: AuthConfig;
  /** A client the caller owns and closes. The plugin creates and closes its own when absent. */
  redis?: Redis;
}

/**
 * Connects to Redis and decorates the three stores built on it. The client fails fast while Redis is
 * down, so a route that needs Redis responds with 503 within the command timeout instead of hanging.
 */
export const tokenStoresPlugin = fastifyPlugin(
  async function registerTokenStores(app: FastifyInstance, options: TokenStoresOptions) {
    const { config } = options;
    const ownsRedis = options.redis === undefined;
    const redis =
      options.redis ??
      createRedisClient(config.redisUrl, { commandTimeoutMs: config.redisCommandTimeoutMs, logger: app.log });

    app.decorate('redis', redis);
    app.decorate(
      'refreshTokens',
      new RefreshTokenStore(redis, {
        tokenTtlSeconds: config.refreshTokenTtlSeconds,
        familyLifetimeSeconds: config.refreshFamilyLifetimeSeconds,
        reuseGraceSeconds: config.refreshReuseGraceSeconds,
      }),
    );
    app.decorate('accessTokenDenylist', new AccessTokenDenylist(redis));
    app.decorate(
      'loginThrottle',
      new LoginThrottle(redis, {
        maxFailuresPerAccount: config.loginMaxFailuresPerAccount,
        maxFailuresPerClient: config.loginMaxFailuresPerClient,
        windowSeconds: config.loginFailureWindowSeconds,
      }),
    );

    app.addHook('onReady', async function waitForRedis() {
      await waitForRedisReady(redis, REDIS_STARTUP_WAIT_MS);
    });
    if (ownsRedis) {
      app.addHook('onClose', async function closeRedis() {
        if (redis.status !== 'ready') {
          redis.disconnect();
          return;
        }
        try {
          await redis.quit();
        } catch {
          redis.disconnect();
        }
      });
    }
  },
  { name: 'auth-token-stores', fastify: '5.x' },
);

/** True for the errors the Redis-backed stores raise when Redis fails or times out. */
export function isStoreUnavailable(error: unknown): error is Error {
  return (
    error instanceof TokenStoreUnavailableError ||
    error instanceof DenylistUnavailableError ||
    error instanceof LoginThrottleUnavailableError
  );
}

/**
 * Runs one store operation and turns a Redis failure into 503 AUTH_STORE_UNAVAILABLE with Retry-After.
 * The failure is logged once per request at warn level, because the Redis client logs the outage itself.
 */
export async function callStore<T>(
  request: FastifyRequest,
  config: AuthConfig,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!isStoreUnavailable(error)) {
      throw error;
    }
    request.log.warn({ reason: error.message }, 'token store unavailable');
    throw createAuthError('AUTH_STORE_UNAVAILABLE', {
      headers: { 'retry-after': String(config.retryAfterSeconds) },
    });
  }
}
