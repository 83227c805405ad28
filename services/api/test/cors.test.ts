import type { RedisServer } from '@authlab/cluster';
import { ConfigError } from '@authlab/config';
import { createRedisClient, waitForRedisReady } from '@authlab/session-store';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import {
  buildFastUserDirectory,
  buildTestConfig,
  cookiePair,
  mintToken,
  setCookieHeaders,
  TEST_JWT_SECRET,
  TEST_PASSWORDS,
  TEST_SESSION_SECRET,
} from './helpers.js';

const DASHBOARD = 'http://127.0.0.1:8088';
const PROTECTED_ROUTES = ['/jwt/me', '/session-memory/me', '/session-redis/me'];

/** Origins that must get no CORS header: other sites, look-alikes, another scheme or port, and `null`. */
const UNLISTED_ORIGINS = [
  'http://evil.localhost:6666',
  'http://127.0.0.1:8088.evil.test',
  'http://localhost:8088.evil.test',
  'http://evillocalhost:8088',
  'https://127.0.0.1:8088',
  'http://127.0.0.1:8089',
  'null',
];

let redis: RedisServer;
let client: Redis;
let app: FastifyInstance;

beforeAll(async () => {
  redis = await startTestRedis();
  client = createRedisClient(redis.url);
  expect(await waitForRedisReady(client, 5_000)).toBe(true);
  app = buildApp(buildTestConfig({ API_REDIS_URL: redis.url }), {
    logger: false,
    redis: client,
    users: await buildFastUserDirectory(),
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  client?.disconnect();
  await redis?.stop();
});

function expectCredentialedCors(response: LightMyRequestResponse, origin = DASHBOARD) {
  expect(response.headers['access-control-allow-origin']).toBe(origin);
  expect(response.headers['access-control-allow-credentials']).toBe('true');
  expect(response.headers.vary).toContain('Origin');
}

function login(strategy: string, origin: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `/${strategy}/login`,
    headers: { origin, 'content-type': 'application/json' },
    payload: JSON.stringify({ username: 'alice', password: TEST_PASSWORDS.alice }),
  });
}

describe('replica CORS for the dashboard', () => {
  it('answers preflights of every protected route before authentication', async () => {
    for (const url of PROTECTED_ROUTES) {
      const response = await app.inject({
        method: 'OPTIONS',
        url,
        headers: {
          origin: DASHBOARD,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization,content-type',
        },
      });

      expect(response.statusCode, url).toBe(204);
      expectCredentialedCors(response);
      expect(response.headers['access-control-allow-headers'], url).toBe('authorization, content-type');
      expect(response.headers['access-control-allow-methods'], url).toContain('GET');
      expect(response.headers['access-control-max-age'], url).toBe('600');
      expect(response.headers['x-served-by'], url).toBe('api-test');
    }
  });

  it('lets the dashboard read a Bearer response and X-Served-By', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/jwt/me',
      headers: { origin: DASHBOARD, authorization: `Bearer ${mintToken()}` },
    });

    expect(response.statusCode).toBe(200);
    expectCredentialedCors(response);
    expect(response.headers['access-control-expose-headers']).toBe('X-Served-By, X-Request-Id');
    expect(response.headers['x-served-by']).toBe('api-test');
  });

  it('lets the dashboard read a rejection and its WWW-Authenticate', async () => {
    for (const url of PROTECTED_ROUTES) {
      const response = await app.inject({ method: 'GET', url, headers: { origin: DASHBOARD } });

      expect(response.statusCode, url).toBe(401);
      expect(response.headers['www-authenticate'], url).toBeDefined();
      expectCredentialedCors(response);
    }
  });

  it('sets the session cookie on a credentialed login and accepts it back', async () => {
    const strategies = [
      ['session-memory', 'sid_memory'],
      ['session-redis', 'sid_redis'],
    ] as const;
    for (const [strategy, cookieName] of strategies) {
      const signIn = await login(strategy, DASHBOARD);
      expect(signIn.statusCode, strategy).toBe(200);
      expectCredentialedCors(signIn);
      expect(setCookieHeaders(signIn), strategy).toHaveLength(1);

      const me = await app.inject({
        method: 'GET',
        url: `/${strategy}/me`,
        headers: { origin: DASHBOARD, cookie: cookiePair(signIn, cookieName) },
      });
      expect(me.statusCode, strategy).toBe(200);
      expectCredentialedCors(me);
    }
  });

  it('gives unlisted origins no CORS header and the no-Origin status', async () => {
    const token = mintToken();
    for (const headers of [{ authorization: `Bearer ${token}` }, {}]) {
      const baseline = await app.inject({ method: 'GET', url: '/jwt/me', headers });

      for (const origin of UNLISTED_ORIGINS) {
        const response = await app.inject({ method: 'GET', url: '/jwt/me', headers: { ...headers, origin } });

        expect(response.statusCode, origin).toBe(baseline.statusCode);
        expect(response.headers['access-control-allow-origin'], origin).toBeUndefined();
        expect(response.headers['access-control-allow-credentials'], origin).toBeUndefined();
      }
    }
  });

  it('answers preflights from unlisted origins with no CORS header and no 5xx', async () => {
    for (const origin of UNLISTED_ORIGINS) {
      const response = await app.inject({
        method: 'OPTIONS',
        url: '/session-redis/me',
        headers: { origin, 'access-control-request-method': 'GET' },
      });

      expect(response.statusCode, origin).toBe(404);
      expect(response.json().code, origin).toBe('ROUTE_NOT_FOUND');
      expect(response.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });

  it('rejects CORS-simple content types on logins with 415 JSON', async () => {
    for (const strategy of ['session-memory', 'session-redis']) {
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
        const response = await app.inject({
          method: 'POST',
          url: `/${strategy}/login`,
          headers: { origin: DASHBOARD, 'content-type': contentType },
          payload: `username=alice&password=${TEST_PASSWORDS.alice}`,
        });

        expect(response.statusCode, `${strategy} ${contentType}`).toBe(415);
        expect(response.json().code, `${strategy} ${contentType}`).toBe('MEDIA_TYPE_UNSUPPORTED');
        expect(setCookieHeaders(response), `${strategy} ${contentType}`).toEqual([]);
      }
    }
  });

  it('answers a preflight without a request method with JSON 400', async () => {
    const response = await app.inject({ method: 'OPTIONS', url: '/jwt/me', headers: { origin: DASHBOARD } });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json().code).toBe('CORS_PREFLIGHT_INVALID');
  });
});

describe('API_CORS_ORIGINS', () => {
  it('rejects the wildcard at start-up', () => {
    let error: unknown;
    try {
      loadConfig({
        REPLICA_ID: 'api-1',
        API_JWT_SECRET: TEST_JWT_SECRET,
        API_SESSION_SECRET: TEST_SESSION_SECRET,
        API_CORS_ORIGINS: `${DASHBOARD},*`,
      });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.find((entry) => entry.variable === 'API_CORS_ORIGINS');
    expect(problem?.message).toMatch(/^API_CORS_ORIGINS is invalid: the wildcard \* cannot be combined/);
  });
});
