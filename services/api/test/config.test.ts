import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, formatConfigError } from '@authlab/config';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { TEST_COOKIE_KEY, TEST_COOKIE_KEY_NEXT, TEST_JWT_SECRET, TEST_SESSION_SECRET } from './helpers.js';

const REQUIRED = {
  REPLICA_ID: 'api-1',
  API_JWT_SECRET: TEST_JWT_SECRET,
  API_SESSION_SECRET: TEST_SESSION_SECRET,
  API_COOKIE_SESSION_KEYS: TEST_COOKIE_KEY,
};

function loadConfigError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('applies the defaults', () => {
    expect(loadConfig(REQUIRED)).toEqual({
      replicaId: 'api-1',
      host: '127.0.0.1',
      port: 3000,
      jwtSecret: TEST_JWT_SECRET,
      jwtIssuer: 'authlab-auth',
      jwtAudience: 'authlab-api',
      jwtClockToleranceSeconds: 0,
      jwtAlgorithm: 'HS256',
      jwksUrl: '',
      jwksMaxAgeSeconds: 600,
      jwksCooldownSeconds: 30,
      jwksFetchTimeoutMs: 5000,
      revocationCheck: 'fail-open',
      sessionSecret: TEST_SESSION_SECRET,
      sessionTtlSeconds: 1800,
      cookieSessionKeys: [Buffer.from(TEST_COOKIE_KEY, 'base64')],
      cookieSessionTtlSeconds: 1800,
      loginMaxFailuresPerAccount: 5,
      loginMaxFailuresPerClient: 20,
      loginFailureWindowSeconds: 900,
      cookieSecure: 'auto',
      redisUrl: 'redis://127.0.0.1:6379',
      redisCommandTimeoutMs: 500,
      retryAfterSeconds: 5,
      trustProxy: [],
      bodyLimitBytes: 16_384,
      corsOrigins: ['http://127.0.0.1:8088', 'http://localhost:8088'],
      logLevel: 'info',
    });
  });

  it('returns a frozen object', () => {
    const config = loadConfig(REQUIRED);

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.trustProxy)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...REQUIRED,
      API_HOST: '127.0.11.2',
      API_PORT: '3002',
      API_JWT_ISSUER: 'issuer',
      API_JWT_AUDIENCE: 'audience',
      API_JWT_CLOCK_TOLERANCE_SECONDS: '60',
      API_REVOCATION_CHECK: 'fail-closed',
      API_SESSION_TTL_SECONDS: '60',
      API_COOKIE_SESSION_TTL_SECONDS: '90',
      API_LOGIN_MAX_FAILURES_PER_ACCOUNT: '7',
      API_LOGIN_MAX_FAILURES_PER_CLIENT: '70',
      API_LOGIN_FAILURE_WINDOW_SECONDS: '60',
      API_COOKIE_SECURE: 'always',
      API_REDIS_URL: 'redis://127.0.12.1:6379',
      API_REDIS_COMMAND_TIMEOUT_MS: '250',
      API_RETRY_AFTER_SECONDS: '9',
      API_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8, ::1',
      API_BODY_LIMIT_BYTES: '2048',
      API_CORS_ORIGINS: 'http://127.0.0.1:9000, https://lab.example',
      LOG_LEVEL: 'warn',
    });

    expect(config).toMatchObject({
      host: '127.0.11.2',
      port: 3002,
      jwtIssuer: 'issuer',
      jwtAudience: 'audience',
      jwtClockToleranceSeconds: 60,
      revocationCheck: 'fail-closed',
      sessionTtlSeconds: 60,
      cookieSessionTtlSeconds: 90,
      loginMaxFailuresPerAccount: 7,
      loginMaxFailuresPerClient: 70,
      loginFailureWindowSeconds: 60,
      cookieSecure: 'always',
      redisUrl: 'redis://127.0.12.1:6379',
      redisCommandTimeoutMs: 250,
      retryAfterSeconds: 9,
      trustProxy: ['127.0.0.1', '10.0.0.0/8', '::1'],
      bodyLimitBytes: 2048,
      corsOrigins: ['http://127.0.0.1:9000', 'https://lab.example'],
      logLevel: 'warn',
    });
  });

  it('reads the secrets from files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'authlab-api-config-'));
    try {
      await writeFile(join(dir, 'jwt'), `${TEST_JWT_SECRET}\n`);
      await writeFile(join(dir, 'session'), `${TEST_SESSION_SECRET}\n`);

      const config = loadConfig({
        REPLICA_ID: 'api-1',
        API_JWT_SECRET_FILE: join(dir, 'jwt'),
        API_SESSION_SECRET_FILE: join(dir, 'session'),
        API_COOKIE_SESSION_KEYS: TEST_COOKIE_KEY,
      });

      expect(config.jwtSecret).toBe(TEST_JWT_SECRET);
      expect(config.sessionSecret).toBe(TEST_SESSION_SECRET);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists every missing required variable at once', () => {
    const error = loadConfigError({});

    expect(error.problems.map((problem) => problem.variable)).toEqual([
      'REPLICA_ID',
      'API_JWT_SECRET',
      'API_SESSION_SECRET',
      'API_COOKIE_SESSION_KEYS',
    ]);
  });

  it('rejects a 16-character JWT secret', () => {
    const error = loadConfigError({ ...REQUIRED, API_JWT_SECRET: 'only-16-chars-xy' });

    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.message).toContain(
      'API_JWT_SECRET is too short: expected at least 32 bytes, got 16 bytes',
    );
    expect(formatConfigError('api', error)).not.toContain('only-16-chars-xy');
  });

  it('rejects a 16-character session secret', () => {
    const error = loadConfigError({ ...REQUIRED, API_SESSION_SECRET: 'only-16-chars-xy' });

    expect(error.problems[0]?.variable).toBe('API_SESSION_SECRET');
  });

  it('reads cookie-session keys in hex and base64', () => {
    const base64url = Buffer.from(TEST_COOKIE_KEY, 'base64').toString('base64url');
    const config = loadConfig({
      ...REQUIRED,
      API_COOKIE_SESSION_KEYS: `${TEST_COOKIE_KEY_NEXT}, ${TEST_COOKIE_KEY}, ${base64url}`,
    });

    expect(config.cookieSessionKeys).toEqual([
      Buffer.from(TEST_COOKIE_KEY_NEXT, 'hex'),
      Buffer.from(TEST_COOKIE_KEY, 'base64'),
      Buffer.from(TEST_COOKIE_KEY, 'base64'),
    ]);
    expect(Object.isFrozen(config.cookieSessionKeys)).toBe(true);
  });

  it('reads cookie-session keys from a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'authlab-api-config-'));
    try {
      await writeFile(join(dir, 'keys'), `${TEST_COOKIE_KEY_NEXT},${TEST_COOKIE_KEY}\n`);
      const { API_COOKIE_SESSION_KEYS: _, ...withoutKeys } = REQUIRED;

      const config = loadConfig({ ...withoutKeys, API_COOKIE_SESSION_KEYS_FILE: join(dir, 'keys') });

      expect(config.cookieSessionKeys).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a cookie-session key that is not 32 bytes', () => {
    const badKeys = {
      '24 bytes of base64': randomBytes(24).toString('base64'),
      '33 bytes of hex': randomBytes(33).toString('hex'),
      'a passphrase': 'correct-horse-battery-staple-0123456789',
    };

    for (const [label, badKey] of Object.entries(badKeys)) {
      const error = loadConfigError({ ...REQUIRED, API_COOKIE_SESSION_KEYS: `${TEST_COOKIE_KEY},${badKey}` });

      expect(error.problems, label).toHaveLength(1);
      expect(error.problems[0]?.message, label).toBe(
        `API_COOKIE_SESSION_KEYS is invalid: key 2 of 2 (${badKey.length} characters) is not 32 bytes written as 64 hex digits or as base64; generate one with: openssl rand -base64 32`,
      );
      expect(formatConfigError('api', error), label).not.toContain(badKey);
    }
  });

  it('rejects an empty entry in the key list', () => {
    const error = loadConfigError({ ...REQUIRED, API_COOKIE_SESSION_KEYS: `${TEST_COOKIE_KEY},` });

    expect(error.problems[0]?.message).toContain('key 2 of 2 (0 characters)');
  });

  it('lists a bad key with the other problems', () => {
    const { REPLICA_ID: _, ...withoutId } = REQUIRED;
    const error = loadConfigError({
      ...withoutId,
      API_COOKIE_SESSION_KEYS: `${TEST_COOKIE_KEY},${'k'.repeat(40)}`,
    });

    expect(error.problems.map((problem) => problem.variable)).toEqual([
      'REPLICA_ID',
      'API_COOKIE_SESSION_KEYS',
    ]);
  });

  it('rejects an invalid replica id', () => {
    for (const replicaId of ['API-1', '-api', 'a'.repeat(33), 'api_1', 'api 1']) {
      const error = loadConfigError({ ...REQUIRED, REPLICA_ID: replicaId });

      expect(error.problems[0]?.message, replicaId).toContain('REPLICA_ID is invalid');
    }
  });

  it('accepts a 32-character replica id', () => {
    expect(loadConfig({ ...REQUIRED, REPLICA_ID: `a${'-'.repeat(31)}` }).replicaId).toHaveLength(32);
  });

  it('rejects a clock tolerance over 60 seconds', () => {
    const error = loadConfigError({ ...REQUIRED, API_JWT_CLOCK_TOLERANCE_SECONDS: '61' });

    expect(error.problems[0]?.message).toBe(
      'API_JWT_CLOCK_TOLERANCE_SECONDS is out of range: expected 0 to 60 (seconds), got 61',
    );
  });

  it('rejects an unknown cookie Secure mode', () => {
    const error = loadConfigError({ ...REQUIRED, API_COOKIE_SECURE: 'true' });

    expect(error.problems[0]?.message).toBe(
      'API_COOKIE_SECURE is invalid: expected one of auto, always, never, got "true"',
    );
  });

  it('rejects a Redis URL of another scheme', () => {
    const error = loadConfigError({ ...REQUIRED, API_REDIS_URL: 'http://127.0.0.1:6379' });

    expect(error.problems[0]?.variable).toBe('API_REDIS_URL');
  });

  it('rejects a trusted proxy that is not an address', () => {
    const error = loadConfigError({ ...REQUIRED, API_TRUST_PROXY: '127.0.0.1, 999.1.1.1, 10.0.0.0/33' });

    expect(error.problems).toEqual([
      {
        variable: 'API_TRUST_PROXY',
        message:
          'API_TRUST_PROXY is invalid: expected IP addresses or CIDR ranges, got "999.1.1.1, 10.0.0.0/33"',
      },
    ]);
  });

  it('lists a bad trusted proxy with the other problems', () => {
    const error = loadConfigError({ API_TRUST_PROXY: 'nginx' });

    expect(error.problems.map((problem) => problem.variable)).toEqual([
      'REPLICA_ID',
      'API_JWT_SECRET',
      'API_SESSION_SECRET',
      'API_COOKIE_SESSION_KEYS',
      'API_TRUST_PROXY',
    ]);
  });

  it('gives buildApp a config it accepts', async () => {
    const app = buildApp(loadConfig({ ...REQUIRED, API_REDIS_URL: 'redis://127.0.0.1:1' }), {
      logger: false,
    });

    await app.ready();
    await app.close();
  });
});
