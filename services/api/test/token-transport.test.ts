import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { apiErrors } from '../src/errors.js';
import { buildTestConfig, captureLogs, mintToken, validClaims } from './helpers.js';

describe('access token transport', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = buildApp(buildTestConfig({ API_REVOCATION_CHECK: 'off' }), { logger: false });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  function getMe(headers: Record<string, string>, url = '/jwt/me') {
    return app.inject({ method: 'GET', url, headers });
  }

  it('accepts the access_token cookie', async () => {
    const response = await getMe({ cookie: `access_token=${mintToken()}` });

    expect(response.statusCode).toBe(200);
    expect(response.json().sub).toBe('alice');
  });

  it('prefers the cookie over the header', async () => {
    const cookieToken = mintToken({ payload: validClaims({ sub: 'alice' }) });
    const headerToken = mintToken({ payload: validClaims({ sub: 'bob' }) });

    const response = await getMe({
      cookie: `access_token=${cookieToken}`,
      authorization: `Bearer ${headerToken}`,
    });

    expect(response.statusCode).toBe(200);
    expect(response.json().sub).toBe('alice');
  });

  it('rejects a bad cookie despite a good header', async () => {
    const badCookie = mintToken({ secret: 'another-secret-0123456789-abcdefghijklmnop' });

    const response = await getMe({
      cookie: `access_token=${badCookie}`,
      authorization: `Bearer ${mintToken()}`,
    });

    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('AUTH_TOKEN_INVALID');
    expect(response.json().message).toBe(apiErrors.AUTH_TOKEN_INVALID.message);
  });

  it('uses the cookie beside a Basic header', async () => {
    const response = await getMe({
      cookie: `access_token=${mintToken()}`,
      authorization: 'Basic dXNlcjpwdw==',
    });

    expect(response.statusCode).toBe(200);
    expect(response.json().sub).toBe('alice');
  });

  it('rejects a cookie outside the token alphabet', async () => {
    const response = await getMe({ cookie: 'access_token=not%20a%20token' });

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('AUTH_HEADER_MALFORMED');
  });

  it('falls back to the header without a cookie', async () => {
    const response = await getMe({ cookie: 'other=1', authorization: `Bearer ${mintToken()}` });

    expect(response.statusCode).toBe(200);
  });

  it('rejects a query token beside a cookie', async () => {
    const response = await getMe(
      { cookie: `access_token=${mintToken()}` },
      `/jwt/me?access_token=${mintToken()}`,
    );

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('AUTH_TOKEN_IN_QUERY');
    expect(response.json().message).toBe(apiErrors.AUTH_TOKEN_IN_QUERY.message);
  });

  it('treats an empty access_token query as a query token', async () => {
    const response = await getMe({ authorization: `Bearer ${mintToken()}` }, '/jwt/me?access_token=');

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('AUTH_TOKEN_IN_QUERY');
  });

  it('keeps a query token out of the log', async () => {
    const logs = captureLogs();
    const loggingApp = buildApp(buildTestConfig({ API_REVOCATION_CHECK: 'off', LOG_LEVEL: 'info' }), {
      logger: { stream: logs.stream },
    });
    const token = mintToken();

    try {
      const response = await loggingApp.inject({
        method: 'GET',
        url: `/jwt/me?x=1&access_token=${token}&y=2`,
      });

      expect(response.statusCode).toBe(400);
      expect(response.body).not.toContain(token);
      const log = logs.lines.join('');
      expect(log).toContain('access_token=[redacted]&y=2');
      expect(log).not.toContain(token);
      expect(log).not.toContain('eyJ');
    } finally {
      await loggingApp.close();
    }
  });
});
