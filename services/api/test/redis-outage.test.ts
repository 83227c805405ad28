import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, type RedisServer, startRedisServer, waitUntil } from '@authlab/cluster';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { apiErrors } from '../src/errors.js';
import {
  buildFastUserDirectory,
  buildTestConfig,
  captureLogs,
  cookiePair,
  mintToken,
  setCookieHeaders,
  TEST_PASSWORDS,
} from './helpers.js';

const HOST = '127.0.0.1';
const LOGIN_PAYLOAD = { username: 'alice', password: TEST_PASSWORDS.alice };

/** Sends a request and returns the response with the time it took, in milliseconds. */
async function timedInject(
  app: FastifyInstance,
  request: InjectOptions,
): Promise<{ response: LightMyRequestResponse; elapsedMs: number }> {
  const startedAt = performance.now();
  const response = await app.inject(request);
  return { response, elapsedMs: performance.now() - startedAt };
}

function expectStoreUnavailable(response: LightMyRequestResponse) {
  expect(response.statusCode).toBe(503);
  expect(response.headers['retry-after']).toBe('5');
  expect(response.headers['x-served-by']).toBe('api-test');
  expect(response.json()).toEqual({
    statusCode: 503,
    code: 'SESSION_STORE_UNAVAILABLE',
    error: 'Service Unavailable',
    message: apiErrors.SESSION_STORE_UNAVAILABLE.message,
  });
  // The client keeps its cookie: a store outage is not a logout.
  expect(setCookieHeaders(response)).toEqual([]);
}

let users: UserDirectory;

beforeAll(async () => {
  users = await buildFastUserDirectory();
});

// These tests stop and restart Redis, so they run a redis-server process of their own rather than the
// shared test helper, which may hand out a container.
describe('Redis stopped and restarted under a running replica', () => {
  let dataDir: string;
  let port: number;
  let redis: RedisServer | undefined;
  let app: FastifyInstance;
  const logs = captureLogs();
  let preOutageCookie: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'authlab-api-outage-'));
    port = await findFreePort(HOST);
    redis = await startRedisServer({ host: HOST, port, dir: dataDir, persistent: true });
    app = buildApp(buildTestConfig({ API_REDIS_URL: redis.url, LOG_LEVEL: 'info' }), {
      logger: { stream: logs.stream },
      users,
    });
    await app.ready();

    const login = await app.inject({ method: 'POST', url: '/session-redis/login', payload: LOGIN_PAYLOAD });
    expect(login.statusCode).toBe(200);
    preOutageCookie = cookiePair(login, 'sid_redis');

    await redis.stop();
    redis = undefined;
  });

  afterAll(async () => {
    await app.close();
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers me with 503 and Retry-After in under 1 s', async () => {
    const timings: number[] = [];

    for (let attempt = 0; attempt < 20; attempt += 1) {
      const { response, elapsedMs } = await timedInject(app, {
        method: 'GET',
        url: '/session-redis/me',
        headers: { cookie: preOutageCookie },
      });
      expectStoreUnavailable(response);
      timings.push(elapsedMs);
    }

    expect(Math.max(...timings)).toBeLessThan(1_000);
  });

  it('answers a good login with 503, never 401', async () => {
    const { response, elapsedMs } = await timedInject(app, {
      method: 'POST',
      url: '/session-redis/login',
      payload: LOGIN_PAYLOAD,
    });

    expectStoreUnavailable(response);
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('answers a login that carries a session cookie with 503', async () => {
    const { response, elapsedMs } = await timedInject(app, {
      method: 'POST',
      url: '/session-redis/login',
      headers: { cookie: preOutageCookie },
      payload: LOGIN_PAYLOAD,
    });

    expectStoreUnavailable(response);
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('answers logout with 503 and keeps the cookie', async () => {
    const { response } = await timedInject(app, {
      method: 'POST',
      url: '/session-redis/logout',
      headers: { cookie: preOutageCookie },
    });

    expectStoreUnavailable(response);
  });

  it('answers a cookieless me with 401 without the store', async () => {
    const response = await app.inject({ method: 'GET', url: '/session-redis/me' });

    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('SESSION_REQUIRED');
  });

  it('keeps JWT routes working', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/jwt/me',
      headers: { authorization: `Bearer ${mintToken()}` },
    });

    expect(response.statusCode).toBe(200);
    expect(response.json().sub).toBe('alice');
  });

  it('keeps session-memory routes working', async () => {
    const login = await app.inject({ method: 'POST', url: '/session-memory/login', payload: LOGIN_PAYLOAD });
    const me = await app.inject({
      method: 'GET',
      url: '/session-memory/me',
      headers: { cookie: cookiePair(login, 'sid_memory') },
    });

    expect(login.statusCode).toBe(200);
    expect(me.statusCode).toBe(200);
  });

  it('reports not ready but alive', async () => {
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    const alive = await app.inject({ method: 'GET', url: '/healthz' });

    expect(ready.statusCode).toBe(503);
    expect(ready.headers['retry-after']).toBe('5');
    expect(ready.json()).toMatchObject({
      statusCode: 503,
      code: 'REPLICA_NOT_READY',
      error: 'Service Unavailable',
      message: apiErrors.REPLICA_NOT_READY.message,
      replica: 'api-test',
      checks: { redis: 'unavailable' },
    });
    expect(alive.statusCode).toBe(200);
    expect(alive.json()).toEqual({ status: 'ok', replica: 'api-test' });
  });

  it('recovers after the restart with the same app and session', async () => {
    redis = await startRedisServer({ host: HOST, port, dir: dataDir, persistent: true });
    const restartedAt = performance.now();

    let me: LightMyRequestResponse | undefined;
    await waitUntil(
      async () => {
        me = await app.inject({
          method: 'GET',
          url: '/session-redis/me',
          headers: { cookie: preOutageCookie },
        });
        return me.statusCode === 200;
      },
      { timeoutMs: 5_000, intervalMs: 50, description: 'the pre-outage session to work again' },
    );

    expect(performance.now() - restartedAt).toBeLessThan(5_000);
    expect(me?.json()).toEqual({ strategy: 'session-redis', sub: 'alice', servedBy: 'api-test' });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const login = await app.inject({ method: 'POST', url: '/session-redis/login', payload: LOGIN_PAYLOAD });
    expect(login.statusCode).toBe(200);
  });

  it('logs the outage and the recovery once each', () => {
    const messages = logs.lines.map((line) => JSON.parse(line).msg);

    expect(messages.filter((message) => message === 'redis unavailable')).toHaveLength(1);
    expect(messages.filter((message) => message === 'redis reconnected')).toHaveLength(1);
  });
});

describe('replica started while Redis is down', () => {
  let port: number;
  let redis: RedisServer | undefined;
  let app: FastifyInstance;

  beforeAll(async () => {
    port = await findFreePort(HOST);
    app = buildApp(buildTestConfig({ API_REDIS_URL: `redis://${HOST}:${port}` }), { logger: false, users });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await redis?.stop();
  });

  it('serves JWT routes and answers session-redis with 503', async () => {
    const jwt = await app.inject({
      method: 'GET',
      url: '/jwt/me',
      headers: { authorization: `Bearer ${mintToken()}` },
    });
    const login = await app.inject({ method: 'POST', url: '/session-redis/login', payload: LOGIN_PAYLOAD });

    expect(jwt.statusCode).toBe(200);
    expectStoreUnavailable(login);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
  });

  it('starts using Redis once it comes up', async () => {
    redis = await startRedisServer({ host: HOST, port });

    let login: LightMyRequestResponse | undefined;
    await waitUntil(
      async () => {
        login = await app.inject({ method: 'POST', url: '/session-redis/login', payload: LOGIN_PAYLOAD });
        return login.statusCode === 200;
      },
      { timeoutMs: 5_000, intervalMs: 50, description: 'session-redis login to succeed' },
    );

    const me = await app.inject({
      method: 'GET',
      url: '/session-redis/me',
      headers: { cookie: cookiePair(login as LightMyRequestResponse, 'sid_redis') },
    });
    expect(me.statusCode).toBe(200);
  });
});
