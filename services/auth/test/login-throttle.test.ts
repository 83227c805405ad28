import type { RedisServer } from '@authlab/cluster';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { authErrors } from '../src/errors.js';
import { buildTestConfig, startAuthTestRedis } from './test-config.js';
import { buildFastUserDirectory, postJson, TEST_PASSWORD } from './token-helpers.js';

const LIMITS = {
  AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
  AUTH_LOGIN_MAX_FAILURES_PER_CLIENT: '6',
  AUTH_LOGIN_FAILURE_WINDOW_SECONDS: '60',
  AUTH_TRUST_PROXY: '127.0.0.1',
};

function logInFrom(app: FastifyInstance, clientAddress: string, username: string, password: string) {
  return app.inject({
    method: 'POST',
    url: '/auth/login',
    remoteAddress: '127.0.0.1',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': clientAddress },
    payload: JSON.stringify({ username, password }),
  });
}

describe('login throttling', () => {
  let redis: RedisServer;
  let users: UserDirectory;
  let app: FastifyInstance;
  let secondInstance: FastifyInstance;

  beforeAll(async () => {
    redis = await startAuthTestRedis();
    users = await buildFastUserDirectory();
    app = buildApp(buildTestConfig(LIMITS), { logger: false, userDirectory: users });
    secondInstance = buildApp(buildTestConfig(LIMITS), { logger: false, userDirectory: users });
    await Promise.all([app.ready(), secondInstance.ready()]);
  });

  beforeEach(async () => {
    await app.redis.flushdb();
  });

  afterAll(async () => {
    await Promise.all([app.close(), secondInstance.close()]);
    await redis.stop();
  });

  it('answers 429 after the account limit', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await logInFrom(app, '203.0.113.1', 'alice', 'wrong')).statusCode).toBe(401);
    }

    const throttled = await logInFrom(app, '203.0.113.1', 'alice', 'wrong');

    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(throttled.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(throttled.json()).toEqual({
      statusCode: 429,
      code: 'LOGIN_THROTTLED',
      error: 'Too Many Requests',
      message: authErrors.LOGIN_THROTTLED.message,
    });
  });

  it('refuses the correct password while throttled', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await logInFrom(app, '203.0.113.1', 'alice', 'wrong');
    }

    const correct = await logInFrom(app, '203.0.113.2', 'alice', TEST_PASSWORD);

    expect(correct.statusCode).toBe(429);
    expect(correct.json().code).toBe('LOGIN_THROTTLED');
  });

  it('resets the account after a success', async () => {
    await logInFrom(app, '203.0.113.1', 'alice', 'wrong');
    await logInFrom(app, '203.0.113.1', 'alice', 'wrong');
    expect((await logInFrom(app, '203.0.113.1', 'alice', TEST_PASSWORD)).statusCode).toBe(200);

    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await logInFrom(app, '203.0.113.1', 'alice', 'wrong')).statusCode).toBe(401);
    }
  });

  it('answers 429 after the client limit', async () => {
    for (let index = 0; index < 6; index += 1) {
      expect((await logInFrom(app, '203.0.113.7', `user-${index}`, 'wrong')).statusCode).toBe(401);
    }

    const throttled = await logInFrom(app, '203.0.113.7', 'user-new', 'wrong');
    const otherClient = await logInFrom(app, '203.0.113.8', 'user-new', 'wrong');

    expect(throttled.statusCode).toBe(429);
    expect(otherClient.statusCode).toBe(401);
  });

  it('shares counters between instances', async () => {
    await logInFrom(app, '203.0.113.1', 'alice', 'wrong');
    await logInFrom(secondInstance, '203.0.113.1', 'alice', 'wrong');
    await logInFrom(app, '203.0.113.1', 'alice', 'wrong');

    const throttled = await logInFrom(secondInstance, '203.0.113.1', 'alice', 'wrong');

    expect(throttled.statusCode).toBe(429);
  });

  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    for (let index = 0; index < 6; index += 1) {
      const response = await app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: '127.0.0.9',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${index}` },
        payload: JSON.stringify({ username: `user-${index}`, password: 'wrong' }),
      });
      expect(response.statusCode).toBe(401);
    }

    const throttled = await app.inject({
      method: 'POST',
      url: '/auth/login',
      remoteAddress: '127.0.0.9',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.200' },
      payload: JSON.stringify({ username: 'user-new', password: 'wrong' }),
    });

    expect(throttled.statusCode).toBe(429);
  });

  it('answers 503 when Redis is down', async () => {
    const downApp = buildApp(buildTestConfig({ ...LIMITS, AUTH_REDIS_URL: 'redis://127.0.0.1:1' }), {
      logger: false,
      userDirectory: users,
    });
    await downApp.ready();

    try {
      const response = await postJson(downApp, '/auth/login', { username: 'alice', password: 'wrong' });

      expect(response.statusCode).toBe(503);
      expect(response.json().code).toBe('AUTH_STORE_UNAVAILABLE');
      expect(response.headers['retry-after']).toBe('5');
    } finally {
      await downApp.close();
    }
  });
});
