import type { RedisServer } from '@authlab/cluster';
import { createRedisClient, waitForRedisReady } from '@authlab/session-store';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { buildApp } from '../src/app.js';
import { apiErrors } from '../src/errors.js';
import { buildFastUserDirectory, buildTestConfig, TEST_PASSWORDS } from './helpers.js';

const LIMITS = { API_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', API_LOGIN_MAX_FAILURES_PER_CLIENT: '50' };

function logIn(app: FastifyInstance, strategy: string, password: string) {
  return app.inject({
    method: 'POST',
    url: `/${strategy}/login`,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ username: 'alice', password }),
  });
}

describe('session login throttling', () => {
  let redis: RedisServer;
  let client: Redis;
  let users: UserDirectory;
  let app: FastifyInstance;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedisClient(redis.url);
    await waitForRedisReady(client, 5_000);
    users = await buildFastUserDirectory();
    app = buildApp(buildTestConfig({ ...LIMITS, API_REDIS_URL: redis.url }), {
      logger: false,
      redis: client,
      users,
    });
    await app.ready();
  });

  beforeEach(async () => {
    await client.flushdb();
  });

  afterAll(async () => {
    await app.close();
    client.disconnect();
    await redis.stop();
  });

  it.each(['session-memory', 'session-redis', 'cookie-session'])(
    '%s answers 429 after the limit',
    async (strategy) => {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect((await logIn(app, strategy, 'wrong')).statusCode).toBe(401);
      }

      const throttled = await logIn(app, strategy, TEST_PASSWORDS.alice);

      expect(throttled.statusCode).toBe(429);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      expect(throttled.json()).toEqual({
        statusCode: 429,
        code: 'LOGIN_THROTTLED',
        error: 'Too Many Requests',
        message: apiErrors.LOGIN_THROTTLED.message,
      });
    },
  );

  it('shares the account counter between strategies', async () => {
    await logIn(app, 'session-memory', 'wrong');
    await logIn(app, 'session-redis', 'wrong');
    await logIn(app, 'cookie-session', 'wrong');

    expect((await logIn(app, 'session-redis', TEST_PASSWORDS.alice)).statusCode).toBe(429);
    expect((await logIn(app, 'cookie-session', TEST_PASSWORDS.alice)).statusCode).toBe(429);
  });

  it('forgives failures after a good login', async () => {
    await logIn(app, 'session-redis', 'wrong');
    await logIn(app, 'session-redis', 'wrong');
    expect((await logIn(app, 'session-redis', TEST_PASSWORDS.alice)).statusCode).toBe(200);

    expect((await logIn(app, 'session-redis', 'wrong')).statusCode).toBe(401);
    expect((await logIn(app, 'session-redis', 'wrong')).statusCode).toBe(401);
  });

  it('skips the throttle without Redis where allowed', async () => {
    const downClient = createRedisClient('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
    const downApp = buildApp(buildTestConfig(LIMITS), { logger: false, redis: downClient, users });
    await downApp.ready();

    try {
      const memory = await logIn(downApp, 'session-memory', TEST_PASSWORDS.alice);
      const encrypted = await logIn(downApp, 'cookie-session', TEST_PASSWORDS.alice);
      const shared = await logIn(downApp, 'session-redis', TEST_PASSWORDS.alice);

      expect(memory.statusCode).toBe(200);
      expect(memory.headers['x-login-throttle']).toBe('skipped');
      expect(encrypted.statusCode).toBe(200);
      expect(encrypted.headers['x-login-throttle']).toBe('skipped');
      expect(shared.statusCode).toBe(503);
      expect(shared.json().code).toBe('SESSION_STORE_UNAVAILABLE');
    } finally {
      await downApp.close();
      downClient.disconnect();
    }
  });
});
