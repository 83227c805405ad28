import type { RedisServer } from '@authlab/cluster';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { authErrors } from '../src/errors.js';
import { buildTestConfig, startAuthTestRedis } from './test-config.js';
import {
  buildFastUserDirectory,
  cookieValue,
  decodeClaims,
  findSetCookie,
  logIn,
  postJson,
} from './token-helpers.js';

describe('POST /auth/logout', () => {
  let redis: RedisServer;
  let users: UserDirectory;
  let app: FastifyInstance;

  beforeAll(async () => {
    redis = await startAuthTestRedis();
    users = await buildFastUserDirectory();
    app = buildApp(buildTestConfig(), { logger: false, userDirectory: users });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await redis.stop();
  });

  it('kills the refresh family at once', async () => {
    const login = (await logIn(app)).json();
    const next = (await postJson(app, '/auth/refresh', { refresh_token: login.refresh_token })).json();

    const logout = await postJson(app, '/auth/logout', { refresh_token: next.refresh_token });
    const refresh = await postJson(app, '/auth/refresh', { refresh_token: next.refresh_token });

    expect(logout.statusCode).toBe(204);
    expect(logout.headers['cache-control']).toBe('no-store');
    expect(refresh.statusCode).toBe(401);
    expect(refresh.json().code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('denylists the access token until its exp', async () => {
    const login = (await logIn(app)).json();
    const { jti, exp } = decodeClaims(login.access_token) as { jti: string; exp: number };

    const beforeLogoutMs = Date.now();
    const logout = await postJson(app, '/auth/logout', undefined, {
      authorization: `Bearer ${login.access_token}`,
    });
    const key = app.accessTokenDenylist.keyOf('authlab-auth', jti);
    const ttlMs = await app.redis.pttl(key);

    expect(logout.statusCode).toBe(204);
    expect(await app.accessTokenDenylist.isRevoked('authlab-auth', jti)).toBe(true);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(exp * 1000 - beforeLogoutMs);
  });

  it('logs out a cookie session', async () => {
    const login = await logIn(app, '?transport=cookie');
    const accessToken = cookieValue(login, 'access_token');
    const refreshToken = cookieValue(login, 'refresh_token');
    const { jti } = decodeClaims(accessToken) as { jti: string };

    const logout = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie: `access_token=${accessToken}; refresh_token=${refreshToken}` },
    });
    const refresh = await app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { cookie: `refresh_token=${refreshToken}` },
    });

    expect(logout.statusCode).toBe(204);
    expect(findSetCookie(logout, 'access_token')).toMatch(/^access_token=; Max-Age=0; .*Path=\//);
    expect(findSetCookie(logout, 'refresh_token')).toMatch(/^refresh_token=; Max-Age=0; .*Path=\/auth\//);
    expect(await app.accessTokenDenylist.isRevoked('authlab-auth', jti)).toBe(true);
    expect(refresh.statusCode).toBe(401);
  });

  it('answers 204 without tokens', async () => {
    const response = await postJson(app, '/auth/logout');

    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
  });

  it('ignores an invalid access token', async () => {
    const response = await postJson(app, '/auth/logout', undefined, { authorization: 'Bearer a.b.c' });

    expect(response.statusCode).toBe(204);
  });

  it('answers 503 when Redis is down', async () => {
    const downApp = buildApp(buildTestConfig({ AUTH_REDIS_URL: 'redis://127.0.0.1:1' }), {
      logger: false,
      userDirectory: users,
    });
    await downApp.ready();
    const login = (await logIn(app)).json();

    try {
      const response = await postJson(downApp, '/auth/logout', undefined, {
        authorization: `Bearer ${login.access_token}`,
      });

      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toEqual({
        statusCode: 503,
        code: 'AUTH_STORE_UNAVAILABLE',
        error: 'Service Unavailable',
        message: authErrors.AUTH_STORE_UNAVAILABLE.message,
      });
    } finally {
      await downApp.close();
    }
  });
});
