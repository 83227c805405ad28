import type { RedisServer } from '@authlab/cluster';
import { createRedisClient, waitForRedisReady } from '@authlab/session-store';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { buildApp } from '../src/app.js';
import { buildRouteCookie } from '../src/plugins/route-cookie.js';
import {
  buildFastUserDirectory,
  buildTestConfig,
  cookiePair,
  setCookieHeaders,
  TEST_PASSWORDS,
} from './helpers.js';

const USER = { username: 'alice', password: TEST_PASSWORDS.alice };
const STICKY_ROUTE = { 'x-balancer-mode': 'sticky-route' };

describe('route cookie', () => {
  let redis: RedisServer;
  let client: Redis;
  let users: UserDirectory;
  let app: FastifyInstance;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedisClient(redis.url);
    expect(await waitForRedisReady(client, 5_000)).toBe(true);
    users = await buildFastUserDirectory();
    app = buildApp(buildTestConfig({ API_REDIS_URL: redis.url, REPLICA_ID: 'api-2' }), {
      logger: false,
      redis: client,
      users,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it.each(['session-memory', 'session-redis'])('is set by a %s login', async (strategy) => {
    const response = await app.inject({
      method: 'POST',
      url: `/${strategy}/login`,
      headers: STICKY_ROUTE,
      payload: USER,
    });

    expect(response.statusCode).toBe(200);
    const route = setCookieHeaders(response).find((line) => line.startsWith('route='));
    expect(route).toBeDefined();
    expect(route).toMatch(/^route=api-2; Expires=[^;]+ GMT; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('is cleared by a logout', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/session-redis/login',
      headers: STICKY_ROUTE,
      payload: USER,
    });
    const cookie = cookiePair(login, 'sid_redis');

    const logout = await app.inject({
      method: 'POST',
      url: '/session-redis/logout',
      headers: { ...STICKY_ROUTE, cookie },
    });

    expect(logout.statusCode).toBe(204);
    expect(setCookieHeaders(logout)).toContain('route=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax');
  });

  it('is not set outside the sticky-route listener', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/session-memory/login',
      headers: { 'x-balancer-mode': 'round-robin' },
      payload: USER,
    });

    expect(response.statusCode).toBe(200);
    expect(setCookieHeaders(response)).toHaveLength(1);
  });

  it('is not set without a session cookie', async () => {
    const response = await app.inject({ method: 'GET', url: '/session-memory/me', headers: STICKY_ROUTE });

    expect(response.statusCode).toBe(401);
    expect(setCookieHeaders(response).some((line) => line.startsWith('route='))).toBe(false);
  });

  it('is not set on a JWT request', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz', headers: STICKY_ROUTE });

    expect(response.headers['set-cookie']).toBeUndefined();
  });
});

describe('buildRouteCookie', () => {
  it('copies Secure from the session cookie', () => {
    expect(buildRouteCookie(['sid_redis=abc; Path=/; HttpOnly; Secure; SameSite=Lax'], 'api-1')).toBe(
      'route=api-1; Path=/; HttpOnly; SameSite=Lax; Secure',
    );
  });

  it('ignores cookies of other names', () => {
    expect(buildRouteCookie(['theme=dark; Path=/'], 'api-1')).toBeUndefined();
  });

  it('treats a past Expires as clearing', () => {
    expect(buildRouteCookie(['sid_memory=; Expires=Thu, 01 Jan 1970 00:00:00 GMT'], 'api-1')).toBe(
      'route=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax',
    );
  });
});
