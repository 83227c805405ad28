import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@authlab/config';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { TEST_JWT_SECRET } from './test-config.js';

function captureConfigError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

function problemFor(error: ConfigError, variable: string): string {
  const problem = error.problems.find((entry) => entry.variable === variable);
  if (!problem) {
    throw new Error(`expected a problem for ${variable}, got ${JSON.stringify(error.problems)}`);
  }
  return problem.message;
}

describe('loadConfig', () => {
  const temporaryFolders: string[] = [];

  afterEach(() => {
    for (const folder of temporaryFolders.splice(0)) {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('applies the defaults', () => {
    const config = loadConfig({ AUTH_JWT_SECRET: TEST_JWT_SECRET });

    expect(config).toEqual({
      host: '127.0.0.1',
      port: 4000,
      jwtAlgorithm: 'HS256',
      jwtSecret: TEST_JWT_SECRET,
      signingKeys: undefined,
      jwtIssuer: 'authlab-auth',
      jwtAudience: 'authlab-api',
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 86_400,
      refreshFamilyLifetimeSeconds: 604_800,
      refreshReuseGraceSeconds: 5,
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
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.trustProxy)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      AUTH_HOST: '127.0.10.1',
      AUTH_PORT: '4100',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_JWT_ISSUER: 'issuer-x',
      AUTH_JWT_AUDIENCE: 'audience-y',
      AUTH_ACCESS_TOKEN_TTL_SECONDS: '60',
      AUTH_REFRESH_TOKEN_TTL_SECONDS: '600',
      AUTH_REFRESH_FAMILY_LIFETIME_SECONDS: '3600',
      AUTH_REFRESH_REUSE_GRACE_SECONDS: '0',
      AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      AUTH_LOGIN_MAX_FAILURES_PER_CLIENT: '30',
      AUTH_LOGIN_FAILURE_WINDOW_SECONDS: '60',
      AUTH_COOKIE_SECURE: 'always',
      AUTH_REDIS_URL: 'redis://127.0.12.1:6379',
      AUTH_REDIS_COMMAND_TIMEOUT_MS: '250',
      AUTH_RETRY_AFTER_SECONDS: '2',
      AUTH_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8',
      AUTH_BODY_LIMIT_BYTES: '2048',
      AUTH_CORS_ORIGINS: 'http://127.0.0.1:9000, https://lab.example',
      LOG_LEVEL: 'warn',
    });

    expect(config).toEqual({
      host: '127.0.10.1',
      port: 4100,
      jwtAlgorithm: 'HS256',
      jwtSecret: TEST_JWT_SECRET,
      signingKeys: undefined,
      jwtIssuer: 'issuer-x',
      jwtAudience: 'audience-y',
      accessTokenTtlSeconds: 60,
      refreshTokenTtlSeconds: 600,
      refreshFamilyLifetimeSeconds: 3600,
      refreshReuseGraceSeconds: 0,
      loginMaxFailuresPerAccount: 3,
      loginMaxFailuresPerClient: 30,
      loginFailureWindowSeconds: 60,
      cookieSecure: 'always',
      redisUrl: 'redis://127.0.12.1:6379',
      redisCommandTimeoutMs: 250,
      retryAfterSeconds: 2,
      trustProxy: ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8'],
      bodyLimitBytes: 2048,
      corsOrigins: ['http://127.0.0.1:9000', 'https://lab.example'],
      logLevel: 'warn',
    });
  });

  it('rejects a missing secret with the openssl hint', () => {
    const error = captureConfigError({});
    const message = problemFor(error, 'AUTH_JWT_SECRET');

    expect(message).toContain('AUTH_JWT_SECRET is missing');
    expect(message).toContain('AUTH_JWT_SECRET_FILE');
    expect(message).toContain('openssl rand -base64 48');
  });

  it('rejects a 16-character secret without echoing it', () => {
    const shortSecret = 'Xq7-short-secret';
    const error = captureConfigError({ AUTH_JWT_SECRET: shortSecret });
    const message = problemFor(error, 'AUTH_JWT_SECRET');

    expect(shortSecret).toHaveLength(16);
    expect(message).toContain('too short');
    expect(message).toContain('got 16 bytes');
    expect(message).not.toContain(shortSecret);
    expect(error.message).not.toContain(shortSecret);
  });

  it('reads the secret file without its trailing newline', () => {
    const folder = mkdtempSync(join(tmpdir(), 'auth-config-'));
    temporaryFolders.push(folder);
    const path = join(folder, 'jwt-secret');
    writeFileSync(path, `${TEST_JWT_SECRET}\n`);

    const config = loadConfig({ AUTH_JWT_SECRET_FILE: path });

    expect(config.jwtSecret).toBe(TEST_JWT_SECRET);
  });

  it('rejects a secret set both directly and by file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'auth-config-'));
    temporaryFolders.push(folder);
    const path = join(folder, 'jwt-secret');
    writeFileSync(path, TEST_JWT_SECRET);

    const error = captureConfigError({ AUTH_JWT_SECRET: TEST_JWT_SECRET, AUTH_JWT_SECRET_FILE: path });

    expect(problemFor(error, 'AUTH_JWT_SECRET')).toContain('are both set');
  });

  it('rejects an unreadable secret file', () => {
    const error = captureConfigError({ AUTH_JWT_SECRET_FILE: '/nonexistent/authlab/jwt-secret' });

    expect(problemFor(error, 'AUTH_JWT_SECRET')).toContain('AUTH_JWT_SECRET_FILE is unreadable');
  });

  it.each(['15m', ' 900 ', 'PT15M', '900.5', '1e3'])('rejects the token lifetime %j', (value) => {
    const error = captureConfigError({
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_ACCESS_TOKEN_TTL_SECONDS: value,
    });

    expect(problemFor(error, 'AUTH_ACCESS_TOKEN_TTL_SECONDS')).toBe(
      `AUTH_ACCESS_TOKEN_TTL_SECONDS is invalid: expected a whole number (seconds), got "${value}"`,
    );
  });

  it.each(['29', '86401'])('rejects the out-of-range token lifetime %s', (value) => {
    const error = captureConfigError({
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_ACCESS_TOKEN_TTL_SECONDS: value,
    });

    expect(problemFor(error, 'AUTH_ACCESS_TOKEN_TTL_SECONDS')).toBe(
      `AUTH_ACCESS_TOKEN_TTL_SECONDS is out of range: expected 30 to 86400 (seconds), got ${value}`,
    );
  });

  it.each(['nginx', '127.0.0.1/33', '::1/129', '10.0.0.0/8/8', '256.0.0.1'])(
    'rejects the proxy entry %j',
    (entry) => {
      const error = captureConfigError({
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        AUTH_TRUST_PROXY: `127.0.0.1,${entry}`,
      });
      const message = problemFor(error, 'AUTH_TRUST_PROXY');

      expect(message).toContain('expected a comma-separated list of IP addresses or CIDR ranges');
      expect(message).toContain(`got "${entry}"`);
    },
  );

  it('reports all problems at once', () => {
    const error = captureConfigError({
      AUTH_PORT: '70000',
      AUTH_ACCESS_TOKEN_TTL_SECONDS: '15m',
      AUTH_TRUST_PROXY: 'everyone',
      AUTH_BODY_LIMIT_BYTES: '16kb',
      LOG_LEVEL: 'verbose',
    });

    expect(error.problems.map((problem) => problem.variable).sort()).toEqual([
      'AUTH_ACCESS_TOKEN_TTL_SECONDS',
      'AUTH_BODY_LIMIT_BYTES',
      'AUTH_JWT_SECRET',
      'AUTH_PORT',
      'AUTH_TRUST_PROXY',
      'LOG_LEVEL',
    ]);
    expect(problemFor(error, 'LOG_LEVEL')).toBe(
      'LOG_LEVEL is invalid: expected one of fatal, error, warn, info, debug, trace, got "verbose"',
    );
  });
});
