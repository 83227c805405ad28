import type { RedisServer } from '@authlab/cluster';
import { ConfigError } from '@authlab/config';
import { DEMO_CREDENTIALS } from '@authlab/users';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { buildTestConfig, startAuthTestRedis, TEST_JWT_SECRET } from './test-config.js';

const DASHBOARD = 'http://127.0.0.1:8088';
const alice = DEMO_CREDENTIALS.find((user) => user.username === 'alice')!;

describe('auth service CORS', () => {
  let app: FastifyInstance;

  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startAuthTestRedis();
    app = buildApp(buildTestConfig(), { logger: false });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await redis?.stop();
  });

  it('answers the login preflight before any route', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/auth/login',
      headers: {
        origin: DASHBOARD,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(response.headers['access-control-allow-methods']).toContain('POST');
    expect(response.headers['access-control-allow-headers']).toBe('authorization, content-type');
    expect(response.headers['access-control-max-age']).toBe('600');
    expect(response.headers.vary).toContain('Origin');
  });

  it('lets the dashboard read the login response and X-Served-By', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { origin: DASHBOARD, 'content-type': 'application/json' },
      payload: JSON.stringify({ username: alice.username, password: alice.password }),
    });

    expect(response.statusCode).toBe(200);
    expect(response.json().token_type).toBe('Bearer');
    expect(response.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(response.headers['access-control-expose-headers']).toBe('X-Served-By, X-Request-Id');
    expect(response.headers['x-served-by']).toBe('auth');
  });

  it('gives an unlisted origin no CORS header and the same status', async () => {
    const body = JSON.stringify({ username: alice.username, password: 'wrong-password' });
    const baseline = await app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });

    for (const origin of ['http://evil.localhost:6666', 'http://127.0.0.1:8088.evil.test', 'null']) {
      const response = await app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { origin, 'content-type': 'application/json' },
        payload: body,
      });

      expect(response.statusCode, origin).toBe(baseline.statusCode);
      expect(response.json().code, origin).toBe('LOGIN_FAILED');
      expect(response.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(response.headers['access-control-allow-credentials'], origin).toBeUndefined();
    }
  });

  it('rejects CORS-simple content types with 415 JSON', async () => {
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { origin: DASHBOARD, 'content-type': contentType },
        payload: JSON.stringify({ username: alice.username, password: alice.password }),
      });

      expect(response.statusCode, contentType).toBe(415);
      expect(response.headers['content-type'], contentType).toBe('application/json; charset=utf-8');
      expect(response.json().code, contentType).toBe('MEDIA_TYPE_UNSUPPORTED');
      expect(response.headers['access-control-allow-origin'], contentType).toBe(DASHBOARD);
    }
  });

  it('answers a preflight without a request method with JSON 400', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/auth/login',
      headers: { origin: DASHBOARD },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('CORS_PREFLIGHT_INVALID');
    expect(response.headers['x-served-by']).toBe('auth');
  });
});

describe('AUTH_CORS_ORIGINS', () => {
  it('rejects the wildcard at start-up with the other problems', () => {
    let error: unknown;
    try {
      loadConfig({ AUTH_JWT_SECRET: TEST_JWT_SECRET, AUTH_PORT: 'x', AUTH_CORS_ORIGINS: '*' });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).problems.map((problem) => problem.variable);
    expect(variables).toEqual(['AUTH_PORT', 'AUTH_CORS_ORIGINS']);
    expect((error as ConfigError).problems[1]?.message).toMatch(
      /^AUTH_CORS_ORIGINS is invalid: the wildcard \* cannot be combined with credentials/,
    );
  });

  it('rejects an origin with a trailing slash and names the fix', () => {
    expect(() =>
      loadConfig({ AUTH_JWT_SECRET: TEST_JWT_SECRET, AUTH_CORS_ORIGINS: 'http://127.0.0.1:8088/' }),
    ).toThrow('write it as "http://127.0.0.1:8088"');
  });
});
