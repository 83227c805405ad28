import type { RedisServer } from '@authlab/cluster';
import { createRedisClient, waitForRedisReady } from '@authlab/session-store';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { buildApp } from '../src/app.js';
import {
  buildFastUserDirectory,
  buildTestConfig,
  captureLogs,
  cookiePair,
  mintToken,
  sessionIdOf,
  TEST_PASSWORDS,
} from './helpers.js';

describe('replica responses', () => {
  let app: FastifyInstance;

  // API_REDIS_URL points at a closed port, so /readyz responds with 503.
  beforeAll(async () => {
    app = buildApp(buildTestConfig({ REPLICA_ID: 'api-7' }), { logger: false });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const cases: [string, () => Promise<LightMyRequestResponse>, number][] = [
    ['200', () => app.inject({ method: 'GET', url: '/healthz' }), 200],
    ['401', () => app.inject({ method: 'GET', url: '/jwt/me' }), 401],
    ['400', () => app.inject({ method: 'GET', url: '/jwt/me', headers: { authorization: 'Bearer ' } }), 400],
    ['400 for a bad URL', () => app.inject({ method: 'GET', url: '/%' }), 400],
    ['404', () => app.inject({ method: 'GET', url: '/no-such-route' }), 404],
    [
      '415',
      () =>
        app.inject({
          method: 'POST',
          url: '/session-memory/login',
          headers: { 'content-type': 'text/plain' },
          payload: '{"username":"alice","password":"x"}',
        }),
      415,
    ],
    ['503', () => app.inject({ method: 'GET', url: '/readyz' }), 503],
  ];

  for (const [name, send, status] of cases) {
    it(`names the replica on a ${name} response`, async () => {
      const response = await send();

      expect(response.statusCode).toBe(status);
      expect(response.headers['x-served-by']).toBe('api-7');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    });
  }

  it('answers a bad URL with the lab error body', async () => {
    const response = await app.inject({ method: 'GET', url: '/%' });

    expect(response.json()).toMatchObject({ statusCode: 400, code: 'URL_INVALID', error: 'Bad Request' });
  });

  it('answers an unknown route with ROUTE_NOT_FOUND', async () => {
    const response = await app.inject({ method: 'GET', url: '/no-such-route?x=1' });

    expect(response.json()).toEqual({
      statusCode: 404,
      code: 'ROUTE_NOT_FOUND',
      error: 'Not Found',
      message: 'No route matches this method and path. (GET /no-such-route)',
    });
  });

  it('answers TRACE without echoing the request', async () => {
    const response = await app.inject({
      method: 'TRACE',
      url: '/healthz',
      headers: { 'x-secret': 'echo-me' },
    });

    expect([404, 405]).toContain(response.statusCode);
    expect(response.body).not.toContain('echo-me');
  });

  it('reports the process alive', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });

    expect(response.json()).toEqual({ status: 'ok', replica: 'api-7' });
  });

  it('echoes the incoming request id', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': '0f1e2d3c4b5a69788796a5b4c3d2e1f0' },
    });

    expect(response.headers['x-request-id']).toBe('0f1e2d3c4b5a69788796a5b4c3d2e1f0');
  });

  it('generates a request id when none arrives', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });

    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces a request id it would not echo', async () => {
    for (const requestId of ['x'.repeat(200), 'two words', '<script>']) {
      const response = await app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': requestId },
      });

      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('replica readiness', () => {
  let redis: RedisServer;
  let client: Redis;
  let app: FastifyInstance;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedisClient(redis.url);
    expect(await waitForRedisReady(client, 5_000)).toBe(true);
    app = buildApp(buildTestConfig({ API_REDIS_URL: redis.url }), { logger: false, redis: client });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    client.disconnect();
    await redis.stop();
  });

  it('reports ready when Redis answers PING', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', replica: 'api-test', checks: { redis: 'ok' } });
  });

  it('leaves an injected Redis client open on close', async () => {
    const other = buildApp(buildTestConfig({ API_REDIS_URL: redis.url }), { logger: false, redis: client });
    await other.ready();

    await other.close();

    expect(client.status).toBe('ready');
  });
});

describe('replica logs', () => {
  let redis: RedisServer;
  let client: Redis;
  let app: FastifyInstance;
  const logs = captureLogs();

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedisClient(redis.url);
    expect(await waitForRedisReady(client, 5_000)).toBe(true);
    app = buildApp(buildTestConfig({ API_REDIS_URL: redis.url, LOG_LEVEL: 'trace' }), {
      logger: { stream: logs.stream },
      redis: client,
      users: await buildFastUserDirectory(),
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    client.disconnect();
    await redis.stop();
  });

  it('never contains a password, cookie or token', async () => {
    const payload = { username: 'alice', password: TEST_PASSWORDS.alice };
    const memoryLogin = await app.inject({ method: 'POST', url: '/session-memory/login', payload });
    const redisLogin = await app.inject({ method: 'POST', url: '/session-redis/login', payload });
    const memoryCookie = cookiePair(memoryLogin, 'sid_memory');
    const redisCookie = cookiePair(redisLogin, 'sid_redis');
    await app.inject({ method: 'GET', url: '/session-redis/me', headers: { cookie: redisCookie } });
    await app.inject({ method: 'POST', url: '/session-memory/logout', headers: { cookie: memoryCookie } });
    await app.inject({
      method: 'POST',
      url: '/session-redis/login',
      payload: { username: 'alice', password: 'wrong-password-typed-here' },
    });
    const token = mintToken();
    const [, , signature] = token.split('.');
    await app.inject({ method: 'GET', url: '/jwt/me', headers: { authorization: `Bearer ${token}` } });
    await app.inject({ method: 'GET', url: '/jwt/me', headers: { authorization: `Bearer ${token}x` } });

    const output = logs.lines.join('');
    expect(logs.lines.length).toBeGreaterThan(10);
    for (const secret of [
      TEST_PASSWORDS.alice,
      'wrong-password-typed-here',
      sessionIdOf(memoryCookie),
      sessionIdOf(redisCookie),
      token,
      signature ?? token,
      'eyJ',
    ]) {
      expect(output).not.toContain(secret);
    }
  });

  it('logs a session login with sub and strategy', async () => {
    await app.inject({
      method: 'POST',
      url: '/session-redis/login',
      payload: { username: 'bob', password: TEST_PASSWORDS.bob },
    });

    const created = logs.lines
      .map((line) => JSON.parse(line))
      .findLast((line) => line.msg === 'session created');
    expect(created).toMatchObject({ level: 30, strategy: 'session-redis', sub: 'bob' });
    expect(typeof created.reqId).toBe('string');
  });

  it('logs a failed login with a username hash only', async () => {
    await app.inject({
      method: 'POST',
      url: '/session-memory/login',
      payload: { username: 'nobody-here', password: 'x' },
    });

    const failed = logs.lines.map((line) => JSON.parse(line)).findLast((line) => line.msg === 'login failed');
    expect(failed).toMatchObject({ strategy: 'session-memory', reason: 'unknown-user' });
    expect(failed.usernameHash).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(failed)).not.toContain('nobody-here');
  });
});
