import { createHmac } from 'node:crypto';
import type { RedisServer } from '@authlab/cluster';
import { DEMO_CREDENTIALS } from '@authlab/users';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.js';
import { authErrors, LOGIN_CHALLENGE } from '../src/errors.js';
import { buildTestConfig, startAuthTestRedis, TEST_JWT_SECRET } from './test-config.js';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const alice = DEMO_CREDENTIALS.find((user) => user.username === 'alice')!;

interface DecodedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signatureValid: boolean;
}

/** Decodes a compact JWT by hand and checks its HS256 signature with node:crypto, independently of fast-jwt. */
function decodeToken(token: string, secret: string): DecodedToken {
  const [header = '', payload = '', signature = ''] = token.split('.');
  const expectedSignature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
    signatureValid: token.split('.').length === 3 && signature === expectedSignature,
  };
}

function postLogin(app: FastifyInstance, body: unknown) {
  return app.inject({
    method: 'POST',
    url: '/auth/login',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

let redis: RedisServer;

beforeAll(async () => {
  redis = await startAuthTestRedis();
});

afterAll(async () => {
  await redis.stop();
});

/** Throttle limits high enough that the failed logins of this file never reach them. */
const UNTHROTTLED = {
  AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: '100',
  AUTH_LOGIN_MAX_FAILURES_PER_CLIENT: '10000',
};

describe('POST /auth/login', () => {
  const ttlSeconds = 120;
  let app: FastifyInstance;

  beforeAll(async () => {
    app = buildApp(buildTestConfig({ ...UNTHROTTLED, AUTH_ACCESS_TOKEN_TTL_SECONDS: String(ttlSeconds) }), {
      logger: false,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('issues a signed access token', async () => {
    const frozenNowSeconds = 1_893_456_000;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(frozenNowSeconds * 1000 + 400);

    const response = await postLogin(app, alice);

    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['x-served-by']).toBe('auth');

    const body = response.json();
    expect(Object.keys(body).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_expires_in',
      'refresh_token',
      'token_type',
    ]);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(ttlSeconds);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.refresh_expires_in).toBe(86_400);

    const { header, claims, signatureValid } = decodeToken(body.access_token, TEST_JWT_SECRET);
    expect(signatureValid).toBe(true);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sub']);
    expect(claims.sub).toBe('alice');
    expect(claims.iss).toBe('authlab-auth');
    expect(claims.aud).toBe('authlab-api');
    expect(claims.jti).toMatch(UUID_PATTERN);
    expect(claims.iat).toBe(frozenNowSeconds);
    expect(typeof claims.exp).toBe('number');
    expect(claims.exp).toBe(frozenNowSeconds + ttlSeconds);
  });

  it('gives every token its own jti', async () => {
    const first = decodeToken((await postLogin(app, alice)).json().access_token, TEST_JWT_SECRET);
    const second = decodeToken((await postLogin(app, alice)).json().access_token, TEST_JWT_SECRET);

    expect(first.claims.jti).not.toBe(second.claims.jti);
  });

  it('signs tokens that the configured verifier accepts', async () => {
    const token = (await postLogin(app, alice)).json().access_token;

    const claims = app.jwt.verify<{ sub: string }>(token);

    expect(claims.sub).toBe('alice');
  });

  it('rejects a wrong password with LOGIN_FAILED', async () => {
    const response = await postLogin(app, { username: 'alice', password: 'not-the-password' });

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe(LOGIN_CHALLENGE);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({
      statusCode: 401,
      code: 'LOGIN_FAILED',
      error: 'Unauthorized',
      message: authErrors.LOGIN_FAILED.message,
    });
  });

  it('rejects a password over the byte limit like a wrong one', async () => {
    // 1,024 characters pass the schema, but at 3 bytes each they exceed the 1,024-byte hashing limit.
    const response = await postLogin(app, { username: 'alice', password: '€'.repeat(1024) });

    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('LOGIN_FAILED');
    expect(response.json().message).toBe(authErrors.LOGIN_FAILED.message);
  });

  it('hides whether the username exists', async () => {
    const attemptsPerKind = 5;
    const unknownUser = { bodies: [] as string[], headerNames: [] as string[], durationsMs: [] as number[] };
    const wrongPassword = {
      bodies: [] as string[],
      headerNames: [] as string[],
      durationsMs: [] as number[],
    };

    // Alternate the two kinds so that load on the machine affects both alike.
    for (let attempt = 0; attempt < attemptsPerKind; attempt += 1) {
      for (const [result, body] of [
        [unknownUser, { username: `nobody-${attempt}`, password: 'x' }],
        [wrongPassword, { username: 'alice', password: `wrong-${attempt}` }],
      ] as const) {
        const startedAt = performance.now();
        const response = await postLogin(app, body);
        result.durationsMs.push(performance.now() - startedAt);

        expect(response.statusCode).toBe(401);
        expect(response.json().code).toBe('LOGIN_FAILED');
        result.bodies.push(response.body);
        result.headerNames.push(Object.keys(response.headers).sort().join(','));
      }
    }

    const allBodies = new Set([...unknownUser.bodies, ...wrongPassword.bodies]);
    const allHeaderNames = new Set([...unknownUser.headerNames, ...wrongPassword.headerNames]);
    expect(allBodies.size).toBe(1);
    expect(allHeaderNames.size).toBe(1);

    // An unknown user is checked against a dummy hash. Without it that branch would take well under 1% of
    // the scrypt time, so half the median is a loose bound that still catches a missing dummy check.
    expect(median(unknownUser.durationsMs)).toBeGreaterThan(median(wrongPassword.durationsMs) / 2);
  });
});

describe('login logs', () => {
  async function runWithCapturedLog(run: (app: FastifyInstance) => Promise<void>): Promise<string> {
    const lines: string[] = [];
    const app = buildApp(buildTestConfig(UNTHROTTLED), {
      logger: { stream: { write: (line: string) => lines.push(line) } },
    });
    await app.ready();

    await run(app);
    await app.close();

    return lines.join('');
  }

  function parseLines(log: string): Record<string, unknown>[] {
    return log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
  }

  it('names sub and jti but never the token or password', async () => {
    let token = '';
    const log = await runWithCapturedLog(async (app) => {
      const response = await app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer earlier-token',
          cookie: 'sid=abc',
        },
        payload: JSON.stringify(alice),
      });
      token = response.json().access_token;
    });
    const { claims } = decodeToken(token, TEST_JWT_SECRET);
    const issued = parseLines(log).find((entry) => entry.msg === 'token issued');

    expect(issued).toMatchObject({ sub: 'alice', jti: claims.jti });
    expect(typeof issued?.reqId).toBe('string');
    expect(log).not.toContain(alice.password);
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.split('.')[2]);
    expect(log).not.toContain('earlier-token');
    expect(log).not.toContain('sid=abc');
  });

  it('records the failure reason without the raw username', async () => {
    const typedUsername = 'my-password-typed-as-username';
    const log = await runWithCapturedLog(async (app) => {
      await postLogin(app, { username: typedUsername, password: 'guess-1' });
      await postLogin(app, { username: 'alice', password: 'guess-2' });
    });
    const failures = parseLines(log).filter((entry) => entry.msg === 'login failed');

    expect(failures.map((entry) => entry.reason)).toEqual(['unknown-user', 'wrong-password']);
    expect(failures.every((entry) => /^[0-9a-f]{16}$/.test(String(entry.usernameHash)))).toBe(true);
    expect(log).not.toContain(typedUsername);
    expect(log).not.toContain('guess-1');
    expect(log).not.toContain('guess-2');
  });

  it('redacts passwords and tokens in logged objects', async () => {
    const log = await runWithCapturedLog(async (app) => {
      app.log.info(
        {
          password: 'top-level-secret',
          attempt: { password: 'nested-secret', access_token: 'nested-token' },
        },
        'redaction probe',
      );
    });
    const probe = parseLines(log).find((entry) => entry.msg === 'redaction probe');

    expect(probe).toMatchObject({
      password: '[redacted]',
      attempt: { password: '[redacted]', access_token: '[redacted]' },
    });
    expect(log).not.toContain('top-level-secret');
    expect(log).not.toContain('nested-secret');
    expect(log).not.toContain('nested-token');
  });
});
