import type { RedisServer } from '@authlab/cluster';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { authErrors, LOGIN_CHALLENGE } from '../src/errors.js';
import { buildTestConfig, startAuthTestRedis } from './test-config.js';
import {
  buildFastUserDirectory,
  cookieValue,
  decodeClaims,
  findSetCookie,
  logIn,
  postJson,
} from './token-helpers.js';

function expectError(response: LightMyRequestResponse, code: keyof typeof authErrors) {
  const { statusCode, message } = authErrors[code];
  expect(response.statusCode).toBe(statusCode);
  expect(response.json()).toMatchObject({ statusCode, code });
  // REQUEST_INVALID appends the schema error to its message.
  expect(response.json().message.startsWith(message)).toBe(true);
  expect(response.headers['cache-control']).toBe('no-store');
}

function refreshWithBody(app: FastifyInstance, refreshToken: string) {
  return postJson(app, '/auth/refresh', { refresh_token: refreshToken });
}

describe('POST /auth/refresh', () => {
  let redis: RedisServer;
  let users: UserDirectory;
  const apps: FastifyInstance[] = [];

  async function startApp(env: Record<string, string> = {}): Promise<FastifyInstance> {
    const app = buildApp(buildTestConfig(env), { logger: false, userDirectory: users });
    apps.push(app);
    await app.ready();
    return app;
  }

  beforeAll(async () => {
    redis = await startAuthTestRedis();
    users = await buildFastUserDirectory();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis.stop();
  });

  it('rotates the refresh token', async () => {
    const app = await startApp();
    const login = (await logIn(app)).json();

    const response = await refreshWithBody(app, login.refresh_token);

    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body.token_type).toBe('Bearer');
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.refresh_token).not.toBe(login.refresh_token);
    expect(decodeClaims(body.access_token).sub).toBe('alice');
    expect(decodeClaims(body.access_token).jti).not.toBe(decodeClaims(login.access_token).jti);
  });

  it('stores only the token hash', async () => {
    const app = await startApp();
    const login = (await logIn(app)).json();

    const keys = await app.redis.keys('*');

    expect(keys.some((key) => key.includes(login.refresh_token))).toBe(false);
    expect(await app.redis.exists(app.refreshTokens.keyOf(login.refresh_token))).toBe(1);
  });

  it('revokes the family on reuse', async () => {
    const app = await startApp({ AUTH_REFRESH_REUSE_GRACE_SECONDS: '0' });
    const first = (await logIn(app)).json().refresh_token;
    const second = (await refreshWithBody(app, first)).json().refresh_token;
    await new Promise((resolve) => setTimeout(resolve, 5));

    const reuse = await refreshWithBody(app, first);
    const afterReuse = await refreshWithBody(app, second);

    expectError(reuse, 'REFRESH_TOKEN_INVALID');
    expect(reuse.headers['www-authenticate']).toBe(LOGIN_CHALLENGE);
    expectError(afterReuse, 'REFRESH_TOKEN_INVALID');
  });

  it('answers 409 to a reuse within the grace window', async () => {
    const app = await startApp({ AUTH_REFRESH_REUSE_GRACE_SECONDS: '30' });
    const first = (await logIn(app)).json().refresh_token;
    const second = (await refreshWithBody(app, first)).json().refresh_token;

    const loser = await refreshWithBody(app, first);
    const winnerNext = await refreshWithBody(app, second);

    expectError(loser, 'REFRESH_TOKEN_CONFLICT');
    expect(winnerNext.statusCode).toBe(200);
  });

  it('gives concurrent refreshes one winner across instances', async () => {
    const firstInstance = await startApp({ AUTH_REFRESH_REUSE_GRACE_SECONDS: '30' });
    const secondInstance = await startApp({ AUTH_REFRESH_REUSE_GRACE_SECONDS: '30' });

    for (let round = 0; round < 10; round += 1) {
      const token = (await logIn(firstInstance)).json().refresh_token;

      const responses = await Promise.all([
        refreshWithBody(firstInstance, token),
        refreshWithBody(secondInstance, token),
        refreshWithBody(firstInstance, token),
        refreshWithBody(secondInstance, token),
      ]);
      const statuses = responses.map((response) => response.statusCode).sort();

      expect(statuses).toEqual([200, 409, 409, 409]);
      const winner = responses.find((response) => response.statusCode === 200)!;
      expect((await refreshWithBody(secondInstance, winner.json().refresh_token)).statusCode).toBe(200);
    }
  });

  it('ends the family at its absolute lifetime', async () => {
    const app = await startApp({ AUTH_REFRESH_FAMILY_LIFETIME_SECONDS: '1' });
    const login = (await logIn(app)).json();
    expect(login.refresh_expires_in).toBe(1);
    const second = (await refreshWithBody(app, login.refresh_token)).json().refresh_token;

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const late = await refreshWithBody(app, second);

    expectError(late, 'REFRESH_TOKEN_INVALID');
  });

  it('rejects a missing refresh token', async () => {
    const app = await startApp();

    const response = await postJson(app, '/auth/refresh');

    expectError(response, 'REFRESH_TOKEN_MISSING');
    expect(response.headers['www-authenticate']).toBe(LOGIN_CHALLENGE);
  });

  it('rejects an access token as refresh token', async () => {
    const app = await startApp();
    const login = (await logIn(app)).json();

    const response = await refreshWithBody(app, login.access_token);

    expectError(response, 'REFRESH_TOKEN_INVALID');
  });

  it('rejects an unknown refresh token', async () => {
    const app = await startApp();

    const response = await refreshWithBody(app, 'A'.repeat(43));

    expectError(response, 'REFRESH_TOKEN_INVALID');
  });

  it('rejects extra body fields', async () => {
    const app = await startApp();

    const response = await postJson(app, '/auth/refresh', { refresh_token: 'x', sub: 'bob' });

    expectError(response, 'REQUEST_INVALID');
  });

  describe('cookie transport', () => {
    it('sets HttpOnly token cookies at login', async () => {
      const app = await startApp();

      const response = await logIn(app, '?transport=cookie');

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        token_type: 'Bearer',
        expires_in: 900,
        refresh_expires_in: 86_400,
        transport: 'cookie',
      });
      const access = findSetCookie(response, 'access_token') ?? '';
      const refresh = findSetCookie(response, 'refresh_token') ?? '';
      expect(access).toMatch(/; Max-Age=900; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(refresh).toMatch(/; Max-Age=86400; Path=\/auth\/; HttpOnly; SameSite=Strict$/);
    });

    it('adds Secure when the proxy reports https', async () => {
      const app = await startApp({ AUTH_TRUST_PROXY: '127.0.0.1' });

      const response = await postJson(
        app,
        '/auth/login?transport=cookie',
        { username: 'alice', password: 'alice-password-for-tests' },
        { 'x-forwarded-proto': 'https' },
      );

      expect(findSetCookie(response, 'access_token')).toContain('; Secure');
      expect(findSetCookie(response, 'refresh_token')).toContain('; Secure');
    });

    it('refreshes from the cookie into cookies', async () => {
      const app = await startApp();
      const login = await logIn(app, '?transport=cookie');
      const refreshToken = cookieValue(login, 'refresh_token');

      const response = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: { cookie: `refresh_token=${refreshToken}` },
      });

      expect(response.statusCode).toBe(200);
      expect(response.json().transport).toBe('cookie');
      expect(response.json().refresh_token).toBeUndefined();
      expect(cookieValue(response, 'refresh_token')).not.toBe(refreshToken);
      expect(decodeClaims(cookieValue(response, 'access_token')).sub).toBe('alice');
    });

    it('clears the cookies of a rejected token', async () => {
      const app = await startApp();

      const response = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: { cookie: `refresh_token=${'B'.repeat(43)}` },
      });

      expectError(response, 'REFRESH_TOKEN_INVALID');
      expect(findSetCookie(response, 'refresh_token')).toMatch(/^refresh_token=; Max-Age=0; .*Path=\/auth\//);
      expect(findSetCookie(response, 'access_token')).toMatch(/^access_token=; Max-Age=0; /);
    });

    it('rejects an unknown transport', async () => {
      const app = await startApp();

      const response = await logIn(app, '?transport=query');

      expectError(response, 'REQUEST_INVALID');
    });
  });

  describe('with Redis down', () => {
    it('answers login with 503 and Retry-After', async () => {
      const app = buildApp(buildTestConfig({ AUTH_REDIS_URL: 'redis://127.0.0.1:1' }), {
        logger: false,
        userDirectory: users,
      });
      apps.push(app);
      await app.ready();

      const startedAt = Date.now();
      const login = await logIn(app);
      const refresh = await refreshWithBody(app, 'C'.repeat(43));
      const ready = await app.inject({ method: 'GET', url: '/readyz' });

      expect(Date.now() - startedAt).toBeLessThan(2_000);
      expectError(login, 'AUTH_STORE_UNAVAILABLE');
      expect(login.headers['retry-after']).toBe('5');
      expectError(refresh, 'AUTH_STORE_UNAVAILABLE');
      expect(ready.statusCode).toBe(503);
      expect(ready.headers['retry-after']).toBe('5');
      expect(ready.json()).toMatchObject({ code: 'AUTH_NOT_READY', checks: { redis: 'unavailable' } });
    });
  });
});
