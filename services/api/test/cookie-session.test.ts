import type { RedisServer } from '@authlab/cluster';
import { createRedisClient, waitForRedisReady } from '@authlab/session-store';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { buildApp } from '../src/app.js';
import { apiErrors } from '../src/errors.js';
import { MAX_COOKIE_BYTES, measureCookieBytes } from '../src/routes/cookie-session.js';
import {
  buildFastUserDirectory,
  buildTestConfig,
  captureLogs,
  cookiePair,
  parseSetCookie,
  setCookieHeaders,
  TEST_COOKIE_KEY,
  TEST_COOKIE_KEY_NEXT,
  TEST_PASSWORDS,
} from './helpers.js';

const COOKIE_NAME = 'sid_cookie';
const OTHER_KEY = 'Zm9yLWEtZGlmZmVyZW50LXJlcGxpY2EtMzItYnl0ZXM=';

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

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

async function startApp(
  overrides: Record<string, string> = {},
  logger: false | { stream: { write(line: string): void } } = false,
): Promise<FastifyInstance> {
  const app = buildApp(buildTestConfig({ API_REDIS_URL: redis.url, ...overrides }), {
    logger,
    redis: client,
    users,
  });
  apps.push(app);
  await app.ready();
  return app;
}

function login(
  app: FastifyInstance,
  password: string = TEST_PASSWORDS.alice,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/cookie-session/login',
    payload: { username: 'alice', password },
  });
}

function readMe(app: FastifyInstance, cookie?: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: '/cookie-session/me', headers: cookie ? { cookie } : {} });
}

function storeNote(app: FastifyInstance, cookie: string, note: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'PUT',
    url: '/cookie-session/data',
    headers: { cookie },
    payload: { note },
  });
}

async function signIn(app: FastifyInstance): Promise<string> {
  const response = await login(app);
  expect(response.statusCode).toBe(200);
  return cookiePair(response, COOKIE_NAME);
}

/** The Set-Cookie lines of `sid_cookie`; other plugins may set cookies of their own. */
function sessionCookies(response: LightMyRequestResponse): string[] {
  return setCookieHeaders(response).filter((line) => line.startsWith(`${COOKIE_NAME}=`));
}

function expectSessionRequired(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(401);
  expect(response.headers['www-authenticate']).toBe('Cookie realm="authlab"');
  expect(response.json()).toMatchObject({
    code: 'SESSION_REQUIRED',
    message: apiErrors.SESSION_REQUIRED.message,
  });
}

/** Replaces the character at `index` of a cookie value with another base64 character. */
function flipCharacter(value: string, index: number): string {
  const replacement = value[index] === 'A' ? 'B' : 'A';
  return `${value.slice(0, index)}${replacement}${value.slice(index + 1)}`;
}

describe('cookie-session login', () => {
  it('sets an encrypted cookie with the documented attributes', async () => {
    const app = await startApp();

    const response = await login(app);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ strategy: 'cookie-session', sub: 'alice', servedBy: 'api-test' });
    expect(response.headers['cache-control']).toBe('no-store');
    const cookies = sessionCookies(response);
    expect(cookies).toHaveLength(1);
    const cookie = parseSetCookie(cookies[0] ?? '');
    expect(cookie.name).toBe(COOKIE_NAME);
    expect(cookie.value).toMatch(/^[A-Za-z0-9+/]+=*%3B[A-Za-z0-9+/]{32}$/);
    expect(cookie.value).not.toContain('alice');
    expect(cookie.attributes.get('httponly')).toBe('');
    expect(cookie.attributes.get('samesite')).toBe('Lax');
    expect(cookie.attributes.get('path')).toBe('/');
    expect(cookie.attributes.get('max-age')).toBe('1800');
    expect(cookie.attributes.has('domain')).toBe(false);
    expect(cookie.attributes.has('secure')).toBe(false);
  });

  it('adds Secure when API_COOKIE_SECURE is always', async () => {
    const app = await startApp({ API_COOKIE_SECURE: 'always' });

    const response = await login(app);

    expect(parseSetCookie(sessionCookies(response)[0] ?? '').attributes.has('secure')).toBe(true);
  });

  it('adds Secure in auto mode behind a trusted https proxy', async () => {
    const app = await startApp({ API_TRUST_PROXY: '127.0.0.1' });

    const response = await app.inject({
      method: 'POST',
      url: '/cookie-session/login',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { username: 'alice', password: TEST_PASSWORDS.alice },
    });

    expect(parseSetCookie(sessionCookies(response)[0] ?? '').attributes.has('secure')).toBe(true);
  });

  it('rejects a wrong password without a cookie', async () => {
    const app = await startApp();

    const response = await login(app, 'not-the-password');

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Form realm="authlab"');
    expect(response.json()).toMatchObject({ code: 'LOGIN_FAILED', message: apiErrors.LOGIN_FAILED.message });
    expect(sessionCookies(response)).toEqual([]);
  });

  it('drops the data of an earlier session', async () => {
    const app = await startApp();
    const cookie = await signIn(app);
    const stored = await storeNote(app, cookie, 'from the first session');

    const again = await app.inject({
      method: 'POST',
      url: '/cookie-session/login',
      headers: { cookie: cookiePair(stored, COOKIE_NAME) },
      payload: { username: 'alice', password: TEST_PASSWORDS.alice },
    });
    const data = await app.inject({
      method: 'GET',
      url: '/cookie-session/data',
      headers: { cookie: cookiePair(again, COOKIE_NAME) },
    });

    expect(data.statusCode).toBe(200);
    expect(data.json().note).toBe('');
  });

  it('never logs the cookie value', async () => {
    const logs = captureLogs();
    const app = await startApp({ LOG_LEVEL: 'debug' }, { stream: logs.stream });
    const cookie = await signIn(app);

    await readMe(app, cookie);

    const value = cookie.slice(cookie.indexOf('=') + 1);
    const text = logs.lines.join('');
    expect(text).toContain('session created');
    expect(text).not.toContain(value);
    expect(text).not.toContain(decodeURIComponent(value).split(';')[0]);
  });
});

describe('cookie-session me', () => {
  it('accepts the cookie without re-issuing it', async () => {
    const app = await startApp();
    const cookie = await signIn(app);

    const response = await readMe(app, cookie);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ strategy: 'cookie-session', sub: 'alice', servedBy: 'api-test' });
    expect(sessionCookies(response)).toEqual([]);
  });

  it('rejects a request without a cookie', async () => {
    const app = await startApp();

    expectSessionRequired(await readMe(app));
  });

  it('accepts a cookie from another replica with the same keys', async () => {
    const first = await startApp({ REPLICA_ID: 'api-1' });
    const second = await startApp({ REPLICA_ID: 'api-2' });
    const cookie = await signIn(first);

    const response = await readMe(second, cookie);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ strategy: 'cookie-session', sub: 'alice', servedBy: 'api-2' });
  });

  it('rejects a cookie from a replica with another key', async () => {
    const first = await startApp({ REPLICA_ID: 'api-1' });
    const other = await startApp({ REPLICA_ID: 'api-2', API_COOKIE_SESSION_KEYS: OTHER_KEY });
    const cookie = await signIn(first);

    const response = await readMe(other, cookie);

    expectSessionRequired(response);
    expect(sessionCookies(response)).toEqual([]);
  });

  it('rejects tampered cookies with 401', async () => {
    const app = await startApp();
    const pair = await signIn(app);
    const value = decodeURIComponent(pair.slice(pair.indexOf('=') + 1));
    const [ciphertext = '', nonce = ''] = value.split(';');
    const tampered = {
      'a flipped ciphertext character': `${flipCharacter(ciphertext, 5)};${nonce}`,
      'a flipped nonce character': `${ciphertext};${flipCharacter(nonce, 3)}`,
      'a value cut to 10 characters': value.slice(0, 10),
      'no nonce': ciphertext,
      'an empty nonce': `${ciphertext};`,
      'a short nonce': `${ciphertext};${nonce.slice(0, 8)}`,
      'the nonce twice': `${nonce};${nonce}`,
      'an empty value': '',
      'non-base64 characters': '!!!;???',
      'a broken percent-encoding': '%E0%A4%A',
      'a 5 KB value': 'A'.repeat(5_000),
    };

    for (const [label, cookieValue] of Object.entries(tampered)) {
      const response = await readMe(app, `${COOKIE_NAME}=${encodeURIComponent(cookieValue)}`);

      expect(response.statusCode, label).toBe(401);
      expect(response.json().code, label).toBe('SESSION_REQUIRED');
      expect(sessionCookies(response), label).toEqual([]);
    }
  });
});

describe('cookie-session expiry', () => {
  it('rejects the cookie once the lifetime has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
    const app = await startApp({ API_COOKIE_SESSION_TTL_SECONDS: '5' });
    const cookie = await signIn(app);

    vi.setSystemTime(new Date('2026-01-01T12:00:04Z'));
    expect((await readMe(app, cookie)).statusCode).toBe(200);

    vi.setSystemTime(new Date('2026-01-01T12:00:06Z'));
    expectSessionRequired(await readMe(app, cookie));
  });

  it('keeps the lifetime from login when data changes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
    const app = await startApp({ API_COOKIE_SESSION_TTL_SECONDS: '10' });
    const cookie = await signIn(app);

    vi.setSystemTime(new Date('2026-01-01T12:00:08Z'));
    const stored = await storeNote(app, cookie, 'a late change');
    expect(stored.statusCode).toBe(200);
    const attributes = parseSetCookie(sessionCookies(stored)[0] ?? '').attributes;
    expect(attributes.get('max-age')).toBe('2');

    vi.setSystemTime(new Date('2026-01-01T12:00:11Z'));
    expectSessionRequired(await readMe(app, cookiePair(stored, COOKIE_NAME)));
  });
});

describe('cookie-session size limit', () => {
  it('stores a note and reads it back', async () => {
    const app = await startApp();
    const cookie = await signIn(app);

    const stored = await storeNote(app, cookie, 'grüße, 4 KB at most');
    const read = await app.inject({
      method: 'GET',
      url: '/cookie-session/data',
      headers: { cookie: cookiePair(stored, COOKIE_NAME) },
    });

    expect(stored.statusCode).toBe(200);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      strategy: 'cookie-session',
      sub: 'alice',
      note: 'grüße, 4 KB at most',
      noteBytes: 21,
    });
  });

  it('reports the exact size of the cookie it sets', async () => {
    const app = await startApp();
    const cookie = await signIn(app);

    for (const note of ['', 'x', 'xy', 'xyz', 'ü'.repeat(700), 'y'.repeat(2_000)]) {
      const response = await storeNote(app, cookie, note);

      expect(response.statusCode).toBe(200);
      expect(cookiePair(response, COOKIE_NAME).length).toBe(response.json().cookieBytes);
    }
  });

  it('accepts the largest note and rejects one byte more', async () => {
    const app = await startApp();
    const cookie = await signIn(app);
    // A session of alice stores sub, createdAt (10 digits) and the note; its size does not depend on time.
    const sizeOf = (length: number) =>
      measureCookieBytes({ sub: 'alice', createdAt: 1_767_268_800, note: 'n'.repeat(length) });
    let largest = 0;
    while (sizeOf(largest + 1) <= MAX_COOKIE_BYTES) {
      largest += 1;
    }

    const accepted = await storeNote(app, cookie, 'n'.repeat(largest));
    const rejected = await storeNote(app, cookie, 'n'.repeat(largest + 1));

    expect(accepted.statusCode).toBe(200);
    expect(cookiePair(accepted, COOKIE_NAME).length).toBeLessThanOrEqual(MAX_COOKIE_BYTES);
    expect(accepted.json().cookieBytes).toBe(sizeOf(largest));
    expect(largest).toBeGreaterThan(2_900);
    expect(rejected.statusCode).toBe(413);
    expect(rejected.json()).toMatchObject({
      code: 'SESSION_COOKIE_TOO_LARGE',
      message: apiErrors.SESSION_COOKIE_TOO_LARGE.message,
    });
    expect(sessionCookies(rejected)).toEqual([]);
  });

  it('counts multi-byte characters in bytes', async () => {
    const app = await startApp();
    const cookie = await signIn(app);

    const response = await storeNote(app, cookie, '€'.repeat(1_100));

    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('SESSION_COOKIE_TOO_LARGE');
  });

  it('keeps the previous data after a rejected note', async () => {
    const app = await startApp();
    const cookie = cookiePair(await storeNote(app, await signIn(app), 'kept'), COOKIE_NAME);

    await storeNote(app, cookie, 'z'.repeat(5_000));
    const read = await app.inject({ method: 'GET', url: '/cookie-session/data', headers: { cookie } });

    expect(read.json().note).toBe('kept');
  });

  it('rejects a note over the schema limit with 400', async () => {
    const app = await startApp();
    const cookie = await signIn(app);

    const response = await storeNote(app, cookie, 'z'.repeat(8_193));

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('REQUEST_INVALID');
  });

  it('requires a session to store a note', async () => {
    const app = await startApp();

    const response = await app.inject({ method: 'PUT', url: '/cookie-session/data', payload: { note: 'x' } });

    expectSessionRequired(response);
  });
});

describe('cookie-session key rotation', () => {
  it('re-encrypts an old-key cookie with the new key', async () => {
    const before = await startApp({ API_COOKIE_SESSION_KEYS: TEST_COOKIE_KEY });
    const during = await startApp({ API_COOKIE_SESSION_KEYS: `${TEST_COOKIE_KEY_NEXT},${TEST_COOKIE_KEY}` });
    const after = await startApp({ API_COOKIE_SESSION_KEYS: TEST_COOKIE_KEY_NEXT });
    const oldCookie = await signIn(before);

    const rotated = await readMe(during, oldCookie);
    const newCookie = cookiePair(rotated, COOKIE_NAME);

    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().sub).toBe('alice');
    expect(newCookie).not.toBe(oldCookie);
    expect(parseSetCookie(sessionCookies(rotated)[0] ?? '').attributes.get('max-age')).toMatch(/^\d+$/);
    expect((await readMe(after, newCookie)).statusCode).toBe(200);
    expectSessionRequired(await readMe(after, oldCookie));
  });

  it('does not re-issue an expired old-key cookie', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
    const before = await startApp({
      API_COOKIE_SESSION_KEYS: TEST_COOKIE_KEY,
      API_COOKIE_SESSION_TTL_SECONDS: '10',
    });
    const during = await startApp({
      API_COOKIE_SESSION_KEYS: `${TEST_COOKIE_KEY_NEXT},${TEST_COOKIE_KEY}`,
      API_COOKIE_SESSION_TTL_SECONDS: '10',
    });
    // A note stored at 8 s moves the plugin's own timestamp, so only the login time has expired at 11 s.
    const stored = await storeNote(before, await signIn(before), 'late');
    vi.setSystemTime(new Date('2026-01-01T12:00:08Z'));
    const touched = await storeNote(before, cookiePair(stored, COOKIE_NAME), 'later');
    vi.setSystemTime(new Date('2026-01-01T12:00:11Z'));

    const response = await readMe(during, cookiePair(touched, COOKIE_NAME));

    expectSessionRequired(response);
    expect(sessionCookies(response)).toEqual([]);
  });

  it('does not re-issue a cookie of the first key', async () => {
    const app = await startApp({ API_COOKIE_SESSION_KEYS: `${TEST_COOKIE_KEY_NEXT},${TEST_COOKIE_KEY}` });
    const cookie = await signIn(app);

    const response = await readMe(app, cookie);

    expect(response.statusCode).toBe(200);
    expect(sessionCookies(response)).toEqual([]);
  });
});

describe('cookie-session logout', () => {
  it('clears the cookie', async () => {
    const app = await startApp();
    const cookie = await signIn(app);

    const response = await app.inject({ method: 'POST', url: '/cookie-session/logout', headers: { cookie } });

    expect(response.statusCode).toBe(204);
    const cleared = parseSetCookie(sessionCookies(response)[0] ?? '');
    expect(cleared.name).toBe(COOKIE_NAME);
    expect(cleared.value).toBe('');
    expect(cleared.attributes.get('max-age')).toBe('0');
    expect(cleared.attributes.get('path')).toBe('/');
  });

  it('leaves a copied cookie valid until it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
    const app = await startApp({ API_COOKIE_SESSION_TTL_SECONDS: '60' });
    const copied = await signIn(app);

    await app.inject({ method: 'POST', url: '/cookie-session/logout', headers: { cookie: copied } });
    const replayed = await readMe(app, copied);
    vi.setSystemTime(new Date('2026-01-01T12:01:01Z'));
    const expired = await readMe(app, copied);

    // The known limit of a session that lives only in the cookie: logout cannot revoke a copy.
    expect(replayed.statusCode).toBe(200);
    expect(replayed.json().sub).toBe('alice');
    expectSessionRequired(expired);
  });

  it('answers 204 without a cookie and sets none', async () => {
    const app = await startApp();

    const response = await app.inject({ method: 'POST', url: '/cookie-session/logout' });

    expect(response.statusCode).toBe(204);
    expect(sessionCookies(response)).toEqual([]);
  });

  it('clears an unreadable cookie too', async () => {
    const app = await startApp();

    const response = await app.inject({
      method: 'POST',
      url: '/cookie-session/logout',
      headers: { cookie: `${COOKIE_NAME}=garbage` },
    });

    expect(response.statusCode).toBe(204);
    expect(parseSetCookie(sessionCookies(response)[0] ?? '').attributes.get('max-age')).toBe('0');
  });
});

describe('cookie-session bad input', () => {
  it('rejects a login body that is not JSON', async () => {
    const app = await startApp();

    const plain = await app.inject({
      method: 'POST',
      url: '/cookie-session/login',
      headers: { 'content-type': 'text/plain' },
      payload: '{"username":"alice","password":"x"}',
    });
    const broken = await app.inject({
      method: 'POST',
      url: '/cookie-session/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });

    expect(plain.statusCode).toBe(415);
    expect(plain.json().code).toBe('MEDIA_TYPE_UNSUPPORTED');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('BODY_INVALID');
  });

  it('rejects extra fields in a note body', async () => {
    const app = await startApp();
    const cookie = await signIn(app);

    const response = await app.inject({
      method: 'PUT',
      url: '/cookie-session/data',
      headers: { cookie },
      payload: { note: 'x', sub: 'bob' },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('REQUEST_INVALID');
  });

  it('rejects malformed cookie headers with 401', async () => {
    const app = await startApp();
    const cookieHeaders = {
      'only separators': ';;;==;',
      'a 12 KB cookie': `${COOKIE_NAME}=${'B'.repeat(12_000)}`,
      'two session cookies': `${COOKIE_NAME}=a%3Bb; ${COOKIE_NAME}=c%3Bd`,
      'a control character': `${COOKIE_NAME}=%00%3B%00`,
    };

    for (const [label, cookie] of Object.entries(cookieHeaders)) {
      const response = await readMe(app, cookie);

      expect(response.statusCode, label).toBe(401);
      expect(response.json().code, label).toBe('SESSION_REQUIRED');
    }
  });
});
