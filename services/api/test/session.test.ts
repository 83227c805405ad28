import type { RedisServer } from '@authlab/cluster';
import { createRedisClient, waitForRedisReady } from '@authlab/session-store';
import { DEMO_CREDENTIALS, type UserDirectory } from '@authlab/users';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { buildApp } from '../src/app.js';
import { apiErrors } from '../src/errors.js';
import {
  buildFastUserDirectory,
  buildTestConfig,
  cookiePair,
  parseSetCookie,
  sessionIdOf,
  setCookieHeaders,
  TEST_PASSWORDS,
} from './helpers.js';

const STRATEGIES = [
  { strategy: 'session-memory', cookieName: 'sid_memory' },
  { strategy: 'session-redis', cookieName: 'sid_redis' },
] as const;

const SESSION_KEY_PREFIX = 'authlab:sess:';

let redis: RedisServer;
let client: Redis;
let users: UserDirectory;

beforeAll(async () => {
  redis = await startTestRedis();
  client = createRedisClient(redis.url);
  expect(await waitForRedisReady(client, 5_000)).toBe(true);
  users = await buildFastUserDirectory();
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

async function startApp(overrides: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = buildApp(buildTestConfig({ API_REDIS_URL: redis.url, ...overrides }), {
    logger: false,
    redis: client,
    users,
  });
  await app.ready();
  return app;
}

function login(
  app: FastifyInstance,
  strategy: string,
  options: { cookie?: string; username?: string; password?: string; headers?: InjectOptions['headers'] } = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `/${strategy}/login`,
    headers: { ...(options.cookie ? { cookie: options.cookie } : {}), ...options.headers },
    payload: { username: options.username ?? 'alice', password: options.password ?? TEST_PASSWORDS.alice },
  });
}

function readMe(app: FastifyInstance, strategy: string, cookie?: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: `/${strategy}/me`, headers: cookie ? { cookie } : {} });
}

function logout(app: FastifyInstance, strategy: string, cookie?: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: `/${strategy}/logout`, headers: cookie ? { cookie } : {} });
}

function expectSessionRequired(response: LightMyRequestResponse) {
  expect(response.statusCode).toBe(401);
  expect(response.headers['www-authenticate']).toBe('Cookie realm="authlab"');
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.json()).toEqual({
    statusCode: 401,
    code: 'SESSION_REQUIRED',
    error: 'Unauthorized',
    message: apiErrors.SESSION_REQUIRED.message,
  });
}

/** Asserts that no Set-Cookie of the response starts or continues a session. */
function expectNoNewSessionCookie(response: LightMyRequestResponse) {
  for (const line of setCookieHeaders(response)) {
    expect(parseSetCookie(line).value, line).toBe('');
  }
}

for (const { strategy, cookieName } of STRATEGIES) {
  describe(`${strategy} strategy`, () => {
    let app: FastifyInstance;

    beforeAll(async () => {
      app = await startApp();
    });

    afterAll(async () => {
      await app.close();
    });

    it('signs in with a good password', async () => {
      const response = await login(app, strategy);

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ strategy, sub: 'alice', servedBy: 'api-test' });
      expect(response.headers['cache-control']).toBe('no-store');
      expect(setCookieHeaders(response)).toHaveLength(1);
    });

    it('sets the session cookie with safe attributes', async () => {
      const response = await login(app, strategy);
      const cookie = parseSetCookie(setCookieHeaders(response)[0] ?? '');

      expect(cookie.name).toBe(cookieName);
      expect(cookie.attributes.has('httponly')).toBe(true);
      expect(cookie.attributes.get('samesite')).toBe('Lax');
      expect(cookie.attributes.get('path')).toBe('/');
      expect(cookie.attributes.has('domain')).toBe(false);
      expect(cookie.attributes.has('secure')).toBe(false);

      const expiresInMs = new Date(cookie.attributes.get('expires') ?? '').getTime() - Date.now();
      expect(expiresInMs).toBeGreaterThan(1_790_000);
      expect(expiresInMs).toBeLessThanOrEqual(1_800_000);
    });

    it('returns the signed-in user from me', async () => {
      const cookie = cookiePair(await login(app, strategy), cookieName);

      const response = await readMe(app, strategy, cookie);

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ strategy, sub: 'alice', servedBy: 'api-test' });
      expect(response.headers['cache-control']).toBe('no-store');
      expect(setCookieHeaders(response)).toEqual([]);
    });

    it('answers me without a cookie with 401', async () => {
      const response = await readMe(app, strategy);

      expectSessionRequired(response);
      expect(setCookieHeaders(response)).toEqual([]);
    });

    it('rejects a wrong password and an unknown user alike', async () => {
      const wrongPassword = await login(app, strategy, { password: 'not-the-password' });
      const unknownUser = await login(app, strategy, { username: 'nobody', password: 'not-the-password' });

      for (const response of [wrongPassword, unknownUser]) {
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Form realm="authlab"');
        expect(response.json()).toEqual({
          statusCode: 401,
          code: 'LOGIN_FAILED',
          error: 'Unauthorized',
          message: apiErrors.LOGIN_FAILED.message,
        });
        expect(setCookieHeaders(response)).toEqual([]);
      }
      expect(unknownUser.body).toBe(wrongPassword.body);
      const headerNames = (response: LightMyRequestResponse) =>
        Object.keys(response.headers)
          .filter((name) => name !== 'x-request-id' && name !== 'date')
          .sort();
      expect(headerNames(unknownUser)).toEqual(headerNames(wrongPassword));
    });

    it('issues a new id at login and kills the old one', async () => {
      const firstCookie = cookiePair(await login(app, strategy), cookieName);

      const second = await login(app, strategy, {
        cookie: firstCookie,
        username: 'bob',
        password: TEST_PASSWORDS.bob,
      });
      const secondCookie = cookiePair(second, cookieName);

      expect(setCookieHeaders(second)).toHaveLength(1);
      expect(sessionIdOf(secondCookie)).not.toBe(sessionIdOf(firstCookie));
      expectSessionRequired(await readMe(app, strategy, firstCookie));
      expect((await readMe(app, strategy, secondCookie)).json().sub).toBe('bob');
    });

    it('does not adopt an id the server never issued', async () => {
      const planted = `${cookieName}=attacker-chosen-session-id-000000`;

      const response = await login(app, strategy, { cookie: planted });
      const issued = cookiePair(response, cookieName);

      expect(response.statusCode).toBe(200);
      expect(issued).not.toContain('attacker-chosen');
      expectSessionRequired(await readMe(app, strategy, planted));
    });

    it('logs out, clears the cookie and kills the session', async () => {
      const cookie = cookiePair(await login(app, strategy), cookieName);

      const response = await logout(app, strategy, cookie);

      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
      expect(response.headers['cache-control']).toBe('no-store');
      const cleared = setCookieHeaders(response).map(parseSetCookie);
      expect(cleared).toHaveLength(1);
      expect(cleared[0]?.name).toBe(cookieName);
      expect(cleared[0]?.value).toBe('');
      expect(cleared[0]?.attributes.get('max-age')).toBe('0');
      expect(new Date(cleared[0]?.attributes.get('expires') ?? '').getTime()).toBe(0);
      expectSessionRequired(await readMe(app, strategy, cookie));
    });

    it('answers logout without a session with 204 and no cookie', async () => {
      const response = await logout(app, strategy);

      expect(response.statusCode).toBe(204);
      expect(setCookieHeaders(response)).toEqual([]);
    });

    it('issues no new cookie after logout', async () => {
      const cookie = cookiePair(await login(app, strategy), cookieName);
      await logout(app, strategy, cookie);

      expectNoNewSessionCookie(await logout(app, strategy, cookie));
      expectNoNewSessionCookie(await readMe(app, strategy, cookie));
    });

    it('sets no cookie on anonymous requests', async () => {
      const requests: InjectOptions[] = [
        { method: 'GET', url: `/${strategy}/me` },
        { method: 'POST', url: `/${strategy}/logout` },
        { method: 'GET', url: '/healthz' },
        { method: 'GET', url: '/jwt/me' },
        { method: 'GET', url: '/no-such-route' },
      ];

      for (const request of requests) {
        const response = await app.inject(request);
        expect(setCookieHeaders(response), request.url as string).toEqual([]);
      }
    });

    it('answers junk cookies with 401 and never echoes them', async () => {
      const realCookie = cookiePair(await login(app, strategy), cookieName);
      const junkValues = [
        'Q3kX9vTz2LmN8pRw4YhB6sJd1FgA7cEu',
        sessionIdOf(realCookie),
        'x'.repeat(5 * 1024),
        '%00',
        "' OR 1=1",
        '%E0%A4%A',
      ];

      for (const junk of junkValues) {
        const response = await readMe(app, strategy, `${cookieName}=${junk}`);

        expectSessionRequired(response);
        for (const line of setCookieHeaders(response)) {
          expect(parseSetCookie(line).value).toBe('');
        }
      }
    });

    it('gives each of 50 logins a distinct id of at least 128 bits', async () => {
      const ids = new Set<string>();

      for (let attempt = 0; attempt < 50; attempt += 1) {
        const id = sessionIdOf(cookiePair(await login(app, strategy), cookieName));
        expect(Buffer.from(id, 'base64url').length).toBeGreaterThanOrEqual(16);
        ids.add(id);
      }

      expect(ids.size).toBe(50);
    });

    describe('bad login input', () => {
      function postLogin(payload: string | Buffer, contentType?: string): Promise<LightMyRequestResponse> {
        return app.inject({
          method: 'POST',
          url: `/${strategy}/login`,
          headers: contentType ? { 'content-type': contentType } : {},
          payload,
        });
      }

      function expectError(response: LightMyRequestResponse, statusCode: number, code: string) {
        expect(response.statusCode).toBe(statusCode);
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(response.json().code).toBe(code);
        expect(response.json().statusCode).toBe(statusCode);
        expect(setCookieHeaders(response)).toEqual([]);
      }

      for (const body of ['{', '{"a":1,}', '']) {
        it(`rejects the body ${JSON.stringify(body)} as invalid JSON`, async () => {
          expectError(await postLogin(body, 'application/json'), 400, 'BODY_INVALID');
        });
      }

      it('rejects bytes that are not UTF-8 JSON', async () => {
        expectError(await postLogin(Buffer.from([0xff, 0xfe]), 'application/json'), 400, 'BODY_INVALID');
      });

      for (const body of ['"str"', '[]', 'null']) {
        it(`rejects the JSON value ${body}`, async () => {
          expectError(await postLogin(body, 'application/json'), 400, 'REQUEST_INVALID');
        });
      }

      it('rejects a __proto__ key', async () => {
        const body = '{"__proto__":{"admin":true},"username":"alice","password":"x"}';

        expectError(await postLogin(body, 'application/json'), 400, 'BODY_INVALID');
      });

      it('rejects a constructor.prototype key', async () => {
        const body = '{"constructor":{"prototype":{"admin":true}},"username":"alice","password":"x"}';

        expectError(await postLogin(body, 'application/json'), 400, 'BODY_INVALID');
      });

      it('rejects wrong field types without coercing them', async () => {
        const response = await postLogin('{"username":123,"password":true}', 'application/json');

        expectError(response, 400, 'REQUEST_INVALID');
        expect(response.json().message).toContain('body/username must be string');
      });

      it('rejects a missing password', async () => {
        const response = await postLogin('{"username":"alice"}', 'application/json');

        expectError(response, 400, 'REQUEST_INVALID');
        expect(response.json().message).toContain("must have required property 'password'");
      });

      it('rejects an extra field', async () => {
        const body = JSON.stringify({ username: 'alice', password: TEST_PASSWORDS.alice, role: 'admin' });

        expectError(await postLogin(body, 'application/json'), 400, 'REQUEST_INVALID');
      });

      it('rejects a 10,000-character username', async () => {
        const body = JSON.stringify({ username: 'a'.repeat(10_000), password: 'x' });

        expectError(await postLogin(body, 'application/json'), 400, 'REQUEST_INVALID');
      });

      it('rejects a body over the limit with 413', async () => {
        const body = JSON.stringify({ username: 'alice', password: 'p'.repeat(16_384) });

        expectError(await postLogin(body, 'application/json'), 413, 'BODY_TOO_LARGE');
      });

      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
        it(`rejects ${contentType} with 415`, async () => {
          const body = JSON.stringify({ username: 'alice', password: TEST_PASSWORDS.alice });

          expectError(await postLogin(body, contentType), 415, 'MEDIA_TYPE_UNSUPPORTED');
        });
      }

      it('rejects a login without a body', async () => {
        const response = await app.inject({ method: 'POST', url: `/${strategy}/login` });

        expectError(response, 400, 'REQUEST_INVALID');
      });
    });
  });
}

describe('session-redis storage', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await startApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it('stores the session under its id with the cookie lifetime', async () => {
    const cookie = cookiePair(await login(app, 'session-redis'), 'sid_redis');
    const key = `${SESSION_KEY_PREFIX}${sessionIdOf(cookie)}`;

    const stored = JSON.parse((await client.get(key)) ?? '{}');
    const ttlMs = await client.pttl(key);

    expect(stored.sub).toBe('alice');
    expect(typeof stored.createdAt).toBe('number');
    expect(JSON.stringify(stored)).not.toContain(TEST_PASSWORDS.alice);
    expect(ttlMs).toBeGreaterThan(1_790_000);
    expect(ttlMs).toBeLessThanOrEqual(1_800_000);
  });

  it('deletes the previous session key at login', async () => {
    const firstCookie = cookiePair(await login(app, 'session-redis'), 'sid_redis');
    const firstKey = `${SESSION_KEY_PREFIX}${sessionIdOf(firstCookie)}`;
    expect(await client.exists(firstKey)).toBe(1);

    const secondCookie = cookiePair(await login(app, 'session-redis', { cookie: firstCookie }), 'sid_redis');

    expect(await client.exists(firstKey)).toBe(0);
    expect(await client.exists(`${SESSION_KEY_PREFIX}${sessionIdOf(secondCookie)}`)).toBe(1);
  });

  it('deletes the session key at logout', async () => {
    const cookie = cookiePair(await login(app, 'session-redis'), 'sid_redis');
    const key = `${SESSION_KEY_PREFIX}${sessionIdOf(cookie)}`;

    await logout(app, 'session-redis', cookie);

    expect(await client.exists(key)).toBe(0);
  });

  it('writes nothing for 100 cookieless requests', async () => {
    const sizeBefore = await client.dbsize();

    for (let request = 0; request < 100; request += 1) {
      const response =
        request % 2 === 0 ? await readMe(app, 'session-redis') : await logout(app, 'session-redis');
      expect(response.statusCode).toBeLessThan(500);
    }

    expect(await client.dbsize()).toBe(sizeBefore);
  });

  it('writes nothing for junk cookies', async () => {
    const sizeBefore = await client.dbsize();

    for (const junk of ['Q3kX9vTz2LmN8pRw4YhB6sJd1FgA7cEu', 'x'.repeat(5 * 1024), "' OR 1=1"]) {
      await readMe(app, 'session-redis', `sid_redis=${junk}`);
      await logout(app, 'session-redis', `sid_redis=${junk}`);
    }

    expect(await client.dbsize()).toBe(sizeBefore);
  });
});

describe('session lifetime', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await startApp({ API_SESSION_TTL_SECONDS: '1' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('ends a session one lifetime after login', async () => {
    const memoryCookie = cookiePair(await login(app, 'session-memory'), 'sid_memory');
    const redisCookie = cookiePair(await login(app, 'session-redis'), 'sid_redis');
    expect((await readMe(app, 'session-memory', memoryCookie)).statusCode).toBe(200);
    expect((await readMe(app, 'session-redis', redisCookie)).statusCode).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 1_100));

    expectSessionRequired(await readMe(app, 'session-memory', memoryCookie));
    expectSessionRequired(await readMe(app, 'session-redis', redisCookie));
    expect(await client.exists(`${SESSION_KEY_PREFIX}${sessionIdOf(redisCookie)}`)).toBe(0);
  });
});

describe('session-redis without sliding expiry', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await startApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it('keeps the key TTL when the session is read', async () => {
    const cookie = cookiePair(await login(app, 'session-redis'), 'sid_redis');
    const key = `${SESSION_KEY_PREFIX}${sessionIdOf(cookie)}`;
    const ttlAfterLoginMs = await client.pttl(key);

    await new Promise((resolve) => setTimeout(resolve, 50));
    const me = await readMe(app, 'session-redis', cookie);

    expect(me.statusCode).toBe(200);
    expect(setCookieHeaders(me)).toEqual([]);
    expect(await client.pttl(key)).toBeLessThan(ttlAfterLoginMs);
  });
});

describe('sessions across replicas', () => {
  let replicaA: FastifyInstance;
  let replicaB: FastifyInstance;
  let replicaWithOtherSecret: FastifyInstance;

  beforeAll(async () => {
    replicaA = await startApp({ REPLICA_ID: 'api-1' });
    replicaB = await startApp({ REPLICA_ID: 'api-2' });
    replicaWithOtherSecret = await startApp({
      REPLICA_ID: 'api-3',
      API_SESSION_SECRET: 'another-session-secret-0123456789-ABCDEFGHIJ',
    });
  });

  afterAll(async () => {
    await Promise.all([replicaA.close(), replicaB.close(), replicaWithOtherSecret.close()]);
  });

  it('loses a memory session on another replica', async () => {
    const cookie = cookiePair(await login(replicaA, 'session-memory'), 'sid_memory');

    expect((await readMe(replicaA, 'session-memory', cookie)).statusCode).toBe(200);
    const response = await readMe(replicaB, 'session-memory', cookie);

    expectSessionRequired(response);
    expect(response.headers['x-served-by']).toBe('api-2');
  });

  it('keeps a foreign memory session cookie in the client', async () => {
    const cookie = cookiePair(await login(replicaA, 'session-memory'), 'sid_memory');

    const foreign = await readMe(replicaB, 'session-memory', cookie);
    const home = await readMe(replicaA, 'session-memory', cookie);

    // Clearing the cookie on the replica that does not know it would sign the client out of every replica.
    expect(setCookieHeaders(foreign)).toEqual([]);
    expect(home.statusCode).toBe(200);
  });

  it('reads a Redis session on another replica', async () => {
    const cookie = cookiePair(await login(replicaA, 'session-redis'), 'sid_redis');

    const response = await readMe(replicaB, 'session-redis', cookie);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ strategy: 'session-redis', sub: 'alice', servedBy: 'api-2' });
  });

  it('rejects a Redis session cookie on a replica with another secret', async () => {
    const cookie = cookiePair(await login(replicaA, 'session-redis'), 'sid_redis');

    const response = await readMe(replicaWithOtherSecret, 'session-redis', cookie);

    expectSessionRequired(response);
    expect(response.headers['x-served-by']).toBe('api-3');
  });

  it('logs out on one replica for all of them', async () => {
    const cookie = cookiePair(await login(replicaA, 'session-redis'), 'sid_redis');

    await logout(replicaB, 'session-redis', cookie);

    expectSessionRequired(await readMe(replicaA, 'session-redis', cookie));
  });
});

describe('session cookie Secure attribute', () => {
  const TRUSTED_PROXY = '127.0.0.1';
  const UNTRUSTED_PEER = '127.0.0.9';

  async function loginCookie(
    overrides: Record<string, string>,
    request: { remoteAddress?: string; forwardedProto?: string } = {},
  ) {
    const app = await startApp(overrides);
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/session-redis/login',
        remoteAddress: request.remoteAddress ?? TRUSTED_PROXY,
        headers: request.forwardedProto ? { 'x-forwarded-proto': request.forwardedProto } : {},
        payload: { username: 'alice', password: TEST_PASSWORDS.alice },
      });
      expect(response.statusCode).toBe(200);
      // A 2xx login without a cookie would leave the client signed out without any error.
      expect(setCookieHeaders(response)).toHaveLength(1);
      return parseSetCookie(setCookieHeaders(response)[0] ?? '');
    } finally {
      await app.close();
    }
  }

  it('omits Secure on plain http in auto mode', async () => {
    const cookie = await loginCookie({ API_COOKIE_SECURE: 'auto', API_TRUST_PROXY: TRUSTED_PROXY });

    expect(cookie.attributes.has('secure')).toBe(false);
    expect(cookie.attributes.get('samesite')).toBe('Lax');
  });

  it('sets Secure when a trusted proxy reports https', async () => {
    const cookie = await loginCookie(
      { API_COOKIE_SECURE: 'auto', API_TRUST_PROXY: TRUSTED_PROXY },
      { forwardedProto: 'https' },
    );

    expect(cookie.attributes.has('secure')).toBe(true);
    expect(cookie.attributes.get('samesite')).toBe('Lax');
  });

  it('ignores X-Forwarded-Proto from an untrusted peer', async () => {
    const cookie = await loginCookie(
      { API_COOKIE_SECURE: 'auto', API_TRUST_PROXY: TRUSTED_PROXY },
      { remoteAddress: UNTRUSTED_PEER, forwardedProto: 'https' },
    );

    expect(cookie.attributes.has('secure')).toBe(false);
  });

  it('ignores X-Forwarded-Proto when no proxy is trusted', async () => {
    const cookie = await loginCookie({ API_COOKIE_SECURE: 'auto' }, { forwardedProto: 'https' });

    expect(cookie.attributes.has('secure')).toBe(false);
  });

  it('always sets Secure in always mode, also over http', async () => {
    const cookie = await loginCookie({ API_COOKIE_SECURE: 'always' });

    expect(cookie.attributes.has('secure')).toBe(true);
  });

  it('never sets Secure in never mode', async () => {
    const cookie = await loginCookie(
      { API_COOKIE_SECURE: 'never', API_TRUST_PROXY: TRUSTED_PROXY },
      { forwardedProto: 'https' },
    );

    expect(cookie.attributes.has('secure')).toBe(false);
  });

  it('clears the cookie with Secure in always mode', async () => {
    const app = await startApp({ API_COOKIE_SECURE: 'always' });
    try {
      const cookie = cookiePair(await login(app, 'session-redis'), 'sid_redis');

      const response = await logout(app, 'session-redis', cookie);

      expect(parseSetCookie(setCookieHeaders(response)[0] ?? '').attributes.has('secure')).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe('demo users', () => {
  it('signs in a published demo user', async () => {
    const app = buildApp(buildTestConfig({ API_REDIS_URL: redis.url }), { logger: false, redis: client });
    try {
      const [demo] = DEMO_CREDENTIALS;
      const response = await login(app, 'session-redis', {
        username: demo?.username,
        password: demo?.password,
      });

      expect(response.statusCode).toBe(200);
      expect(response.json().sub).toBe(demo?.username);
    } finally {
      await app.close();
    }
  });
});
