import { createHmac, randomUUID } from 'node:crypto';
import { buildUserDirectory, hashPassword, type UserDirectory } from '@authlab/users';
import type { LightMyRequestResponse } from 'fastify';
import { type ApiConfig, loadConfig } from '../src/config.js';

export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789-abcdefghijklmnop';
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789-ABCDEFGHIJKLMN';
/** Two cookie-session keys: 32 bytes as base64, and 32 bytes as hex. */
export const TEST_COOKIE_KEY = 'q2X7bJ0m9Yc1Rk4sT8vN3pL6wA5eH0uZ2iD7fG4jK1o=';
export const TEST_COOKIE_KEY_NEXT = '8c2f4e6a1b3d5f7092a4c6e8f0b2d4f61a3c5e7092b4d6f8e0a2c4e6f8b0d2f4';
export const TEST_ISSUER = 'authlab-auth';
export const TEST_AUDIENCE = 'authlab-api';

/** Builds a replica config from the test secrets, with `overrides` applied as environment variables. */
export function buildTestConfig(overrides: Record<string, string> = {}): ApiConfig {
  return loadConfig({
    REPLICA_ID: 'api-test',
    API_JWT_SECRET: TEST_JWT_SECRET,
    API_SESSION_SECRET: TEST_SESSION_SECRET,
    API_COOKIE_SESSION_KEYS: TEST_COOKIE_KEY,
    API_REDIS_URL: 'redis://127.0.0.1:1',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

export const TEST_PASSWORDS = Object.freeze({
  alice: 'alice-password-for-tests',
  bob: 'bob-password-for-tests',
});

/**
 * Builds a directory of two users hashed with a cheap scrypt cost (N = 2^10), so tests that sign in many
 * times stay fast. One test in session.test.ts signs in a demo user at the real cost.
 */
export async function buildFastUserDirectory(): Promise<UserDirectory> {
  const parameters = { logN: 10, r: 8, p: 1 };
  return buildUserDirectory([
    { username: 'alice', passwordHash: await hashPassword(TEST_PASSWORDS.alice, parameters) },
    { username: 'bob', passwordHash: await hashPassword(TEST_PASSWORDS.bob, parameters) },
  ]);
}

export function base64url(value: string | Buffer | object): string {
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    return Buffer.from(value).toString('base64url');
  }
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function hmacSha256(input: string, secret: string | Buffer = TEST_JWT_SECRET): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}

/** Claims of a token the replica accepts: issued now, valid for five minutes. */
export function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  return {
    sub: 'alice',
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    iat: nowSeconds,
    exp: nowSeconds + 300,
    jti: randomUUID(),
    ...overrides,
  };
}

/**
 * Mints a compact JWS by hand with node:crypto, so the tests do not depend on any signer. `header` and
 * `payload` may be objects (JSON-encoded) or raw strings and buffers (encoded as they are).
 */
export function mintToken(
  options: {
    header?: object | string | Buffer;
    payload?: object | string | Buffer;
    secret?: string | Buffer;
    algorithm?: 'sha256' | 'sha512';
  } = {},
): string {
  const header = base64url(options.header ?? { alg: 'HS256', typ: 'JWT' });
  const payload = base64url(options.payload ?? validClaims());
  const input = `${header}.${payload}`;
  const signature = createHmac(options.algorithm ?? 'sha256', options.secret ?? TEST_JWT_SECRET)
    .update(input)
    .digest('base64url');
  return `${input}.${signature}`;
}

/** Returns every Set-Cookie header of a response as a list. */
export function setCookieHeaders(response: LightMyRequestResponse): string[] {
  const header = response.headers['set-cookie'];
  if (header === undefined) {
    return [];
  }
  return Array.isArray(header) ? header : [header];
}

/** Returns the `name=value` pair a response sets for `name`, for the next request's Cookie header. */
export function cookiePair(response: LightMyRequestResponse, name: string): string {
  const header = setCookieHeaders(response).find((line) => line.startsWith(`${name}=`));
  if (!header) {
    throw new Error(`response sets no ${name} cookie`);
  }
  return header.split(';')[0] ?? '';
}

/** Returns the session id inside a signed session cookie pair (`name=<id>.<signature>`). */
export function sessionIdOf(pair: string): string {
  const value = decodeURIComponent(pair.slice(pair.indexOf('=') + 1));
  return value.slice(0, value.lastIndexOf('.'));
}

/** Captures the JSON log lines an app writes. */
export function captureLogs(): { stream: { write(line: string): void }; lines: string[] } {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => lines.push(line) } };
}

/** Splits one Set-Cookie header into its name, value and attributes (attribute names lowercased). */
export function parseSetCookie(line: string): {
  name: string;
  value: string;
  attributes: Map<string, string>;
} {
  const [pair = '', ...parts] = line.split(';').map((part) => part.trim());
  const separator = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const part of parts) {
    const equals = part.indexOf('=');
    const key = (equals === -1 ? part : part.slice(0, equals)).toLowerCase();
    attributes.set(key, equals === -1 ? '' : part.slice(equals + 1));
  }
  return { name: pair.slice(0, separator), value: pair.slice(separator + 1), attributes };
}
