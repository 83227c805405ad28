import type { RedisServer } from '@authlab/cluster';
import { LoginThrottle } from '@authlab/login-throttle';
import { createRedisClient, waitForRedisReady } from '@authlab/session-store';
import { buildUserDirectory, DEMO_CREDENTIALS, type UserDirectory } from '@authlab/users';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { buildApp } from '../src/app.js';
import { parseBasicCredentials } from '../src/basic-credentials.js';
import { apiErrors } from '../src/errors.js';
import { buildFastUserDirectory, buildTestConfig, captureLogs, TEST_PASSWORDS } from './helpers.js';

const CHALLENGE = 'Basic realm="authlab", charset="UTF-8"';
const ALLOWED_ORIGIN = 'http://localhost:5173';

let redis: RedisServer;
let client: Redis;
let users: UserDirectory;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  client = createRedisClient(redis.url);
  expect(await waitForRedisReady(client, 5_000)).toBe(true);
  users = await buildFastUserDirectory();
});

beforeEach(async () => {
  // Each test starts with empty login throttle counters.
  await client.flushdb();
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

async function startApp(
  options: { users?: UserDirectory; logger?: { stream: { write(line: string): void } }; redis?: Redis } = {},
  overrides: Record<string, string> = {},
): Promise<FastifyInstance> {
  const app = buildApp(buildTestConfig({ API_REDIS_URL: redis.url, ...overrides }), {
    logger: options.logger ?? false,
    redis: options.redis ?? client,
    users: options.users ?? users,
  });
  apps.push(app);
  await app.ready();
  return app;
}

function basic(userPass: string | Buffer): string {
  return `Basic ${Buffer.from(userPass).toString('base64')}`;
}

function readMe(app: FastifyInstance, authorization?: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'GET',
    url: '/basic/me',
    headers: authorization === undefined ? {} : { authorization },
  });
}

function expectInvalid(response: LightMyRequestResponse, label: string): void {
  expect(response.statusCode, label).toBe(401);
  expect(response.headers['www-authenticate'], label).toBe(CHALLENGE);
  expect(response.json(), label).toMatchObject({
    statusCode: 401,
    code: 'BASIC_CREDENTIALS_INVALID',
    error: 'Unauthorized',
    message: apiErrors.BASIC_CREDENTIALS_INVALID.message,
  });
}

describe('basic me', () => {
  it('accepts valid credentials', async () => {
    const app = await startApp();

    const response = await readMe(app, basic(`alice:${TEST_PASSWORDS.alice}`));

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ strategy: 'basic', sub: 'alice', servedBy: 'api-test' });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('accepts a lowercase scheme and several spaces', async () => {
    const app = await startApp();
    const encoded = Buffer.from(`bob:${TEST_PASSWORDS.bob}`).toString('base64');

    const response = await readMe(app, `basic   ${encoded}`);

    expect(response.statusCode).toBe(200);
    expect(response.json().sub).toBe('bob');
  });

  it('checks a demo user against its stored hash', async () => {
    // The published demo users at the real scrypt cost, as every replica builds them.
    const app = await startApp({ users: buildUserDirectory() });
    const { username, password } = DEMO_CREDENTIALS[0]!;

    const accepted = await readMe(app, basic(`${username}:${password}`));
    const rejected = await readMe(app, basic(`${username}:${password}x`));

    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().sub).toBe(username);
    expectInvalid(rejected, 'wrong demo password');
  });

  it('challenges a request without credentials', async () => {
    const app = await startApp();

    const response = await readMe(app);

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe(CHALLENGE);
    expect(response.json()).toMatchObject({
      code: 'BASIC_CREDENTIALS_MISSING',
      message: apiErrors.BASIC_CREDENTIALS_MISSING.message,
    });
  });

  it('challenges a Bearer credential as missing', async () => {
    const app = await startApp();

    const response = await readMe(app, 'Bearer abc.def.ghi');

    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('BASIC_CREDENTIALS_MISSING');
  });

  it('rejects malformed credentials with 401', async () => {
    const app = await startApp();
    const malformed = {
      'Basic !!!': 'Basic !!!',
      'no colon': basic('nocolon'),
      'an empty password': basic('alice:'),
      'an empty username': basic(`:${TEST_PASSWORDS.alice}`),
      'non-UTF-8 bytes': basic(Buffer.concat([Buffer.from('alice:'), Buffer.from([0xff, 0xfe, 0xc3])])),
      'non-UTF-8 username': basic(Buffer.concat([Buffer.from([0xc0, 0xaf]), Buffer.from(':secret')])),
      'no credentials': 'Basic',
      'a space only': 'Basic ',
      'missing padding': `Basic ${Buffer.from('alice:x').toString('base64').replace(/=+$/, '')}`,
      'base64url characters': `Basic ${Buffer.from('alice:??>>').toString('base64url')}`,
      'two tokens': `${basic('alice:a')} ${Buffer.from('b').toString('base64')}`,
      'a control character': basic(`alice:${TEST_PASSWORDS.alice}\u0000`),
      'a 65-character username': basic(`${'u'.repeat(65)}:password`),
      '20 KB of base64': `Basic ${'QUJD'.repeat(5_000)}`,
    };

    for (const [label, header] of Object.entries(malformed)) {
      expectInvalid(await readMe(app, header), label);
    }
  });

  it('answers a wrong password and an unknown user alike', async () => {
    const app = await startApp();

    const wrongPassword = await readMe(app, basic('alice:not-the-password'));
    const unknownUser = await readMe(app, basic('nobody:not-the-password'));

    expectInvalid(wrongPassword, 'wrong password');
    expectInvalid(unknownUser, 'unknown user');
    expect(unknownUser.json()).toEqual(wrongPassword.json());
    expect(Object.keys(unknownUser.headers).sort()).toEqual(Object.keys(wrongPassword.headers).sort());
  });

  it('rejects a password over 1024 bytes', async () => {
    const app = await startApp();

    expectInvalid(await readMe(app, basic(`alice:${'p'.repeat(1_025)}`)), 'long password');
  });

  it('logs the reason but never the credentials', async () => {
    const logs = captureLogs();
    const app = await startApp({ logger: { stream: logs.stream } }, { LOG_LEVEL: 'info' });

    await readMe(app, basic('alice:not-the-password'));

    const text = logs.lines.join('');
    expect(text).toContain('basic credentials rejected');
    expect(text).toContain('wrong-password');
    expect(text).not.toContain('not-the-password');
    expect(text).not.toContain(Buffer.from('alice:not-the-password').toString('base64'));
  });

  it('does not challenge a CORS preflight', async () => {
    const app = await startApp({}, { API_CORS_ORIGINS: ALLOWED_ORIGIN });

    const response = await app.inject({
      method: 'OPTIONS',
      url: '/basic/me',
      headers: {
        origin: ALLOWED_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });

    expect(response.statusCode).toBeGreaterThanOrEqual(200);
    expect(response.statusCode).toBeLessThan(300);
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
  });
});

describe('basic login throttle', () => {
  const THROTTLE = { API_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', API_LOGIN_FAILURE_WINDOW_SECONDS: '60' };

  it('rejects the attempt after the limit with 429', async () => {
    const app = await startApp({}, THROTTLE);

    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expectInvalid(await readMe(app, basic('alice:wrong-password')), `attempt ${attempt}`);
    }
    const throttled = await readMe(app, basic(`alice:${TEST_PASSWORDS.alice}`));

    expect(throttled.statusCode).toBe(429);
    expect(throttled.json()).toMatchObject({
      statusCode: 429,
      code: 'LOGIN_THROTTLED',
      message: apiErrors.LOGIN_THROTTLED.message,
    });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('counts failures across replicas', async () => {
    const first = await startApp({}, { ...THROTTLE, REPLICA_ID: 'api-1' });
    const second = await startApp({}, { ...THROTTLE, REPLICA_ID: 'api-2' });

    await readMe(first, basic('alice:wrong-password'));
    await readMe(second, basic('alice:wrong-password'));
    await readMe(first, basic('alice:wrong-password'));
    const throttled = await readMe(second, basic(`alice:${TEST_PASSWORDS.alice}`));

    expect(throttled.statusCode).toBe(429);
  });

  it('shares the counters of the login form', async () => {
    const app = await startApp({}, THROTTLE);
    const formThrottle = new LoginThrottle(client, {
      maxFailuresPerAccount: 3,
      maxFailuresPerClient: 20,
      windowSeconds: 60,
    });

    // Three failed form logins, as the auth service counts them, block the account for Basic too.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const decision = await formThrottle.begin('alice', '127.0.0.9');
      expect(decision.allowed).toBe(true);
    }
    const throttled = await readMe(app, basic(`alice:${TEST_PASSWORDS.alice}`));

    expect(throttled.statusCode).toBe(429);
  });

  it('resets the account after a correct password', async () => {
    const app = await startApp({}, THROTTLE);

    await readMe(app, basic('alice:wrong-password'));
    await readMe(app, basic('alice:wrong-password'));
    expect((await readMe(app, basic(`alice:${TEST_PASSWORDS.alice}`))).statusCode).toBe(200);
    await readMe(app, basic('alice:wrong-password'));
    await readMe(app, basic('alice:wrong-password'));

    expect((await readMe(app, basic(`alice:${TEST_PASSWORDS.alice}`))).statusCode).toBe(200);
  });

  it('answers 503 when Redis is unreachable', async () => {
    const unreachable = createRedisClient('redis://127.0.0.1:1', { commandTimeoutMs: 200 });
    try {
      const app = await startApp({ redis: unreachable });

      const response = await readMe(app, basic(`alice:${TEST_PASSWORDS.alice}`));

      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toMatchObject({
        code: 'LOGIN_THROTTLE_UNAVAILABLE',
        message: apiErrors.LOGIN_THROTTLE_UNAVAILABLE.message,
      });
    } finally {
      unreachable.disconnect();
    }
  });
});

describe('basic over a real socket', () => {
  it('answers a 20 KB header with 431', async () => {
    const app = await startApp();
    const address = await app.listen({ host: '127.0.0.1', port: 0 });

    const response = await fetch(`${address}/basic/me`, {
      headers: { authorization: `Basic ${'QUJD'.repeat(5_000)}` },
      signal: AbortSignal.timeout(5_000),
    });

    expect(response.status).toBe(431);
  });
});

describe('parseBasicCredentials', () => {
  it('splits at the first colon', () => {
    expect(parseBasicCredentials(basic('alice:pass:with:colons'))).toEqual({
      kind: 'credentials',
      username: 'alice',
      password: 'pass:with:colons',
    });
  });

  it('decodes UTF-8 credentials', () => {
    expect(parseBasicCredentials(basic('zoë:pässwörd-🔑'))).toEqual({
      kind: 'credentials',
      username: 'zoë',
      password: 'pässwörd-🔑',
    });
  });

  it('treats another scheme as missing', () => {
    expect(parseBasicCredentials('Digest username="alice"')).toEqual({ kind: 'missing' });
    expect(parseBasicCredentials(undefined)).toEqual({ kind: 'missing' });
    expect(parseBasicCredentials('')).toEqual({ kind: 'missing' });
  });
});
