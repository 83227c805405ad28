import { isIP } from 'node:net';
import {
  ConfigError,
  type ConfigProblem,
  type ConfigSchema,
  type ConfigValues,
  type Environment,
  readConfig,
} from '@authlab/config';
import { buildCorsOriginsSpec, checkCorsOriginsVariable } from '@authlab/cors-policy';
import type { RevocationCheckMode } from './revocation-check.js';

/** Every environment variable a replica reads. The README and deploy/env/api.env.example list the same. */
export const apiConfigSchema = {
  REPLICA_ID: {
    kind: 'string',
    required: true,
    pattern: /^[a-z0-9][a-z0-9-]{0,31}$/,
    patternHint: 'lowercase letters, digits and hyphens, 1 to 32 characters, not starting with a hyphen',
    description:
      'Name of this replica, 1 to 32 lowercase letters, digits or hyphens. Sent as X-Served-By on every response, for example api-1.',
  },
  API_HOST: {
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address the HTTP server binds to.',
  },
  API_PORT: {
    kind: 'integer',
    default: 3000,
    min: 0,
    max: 65_535,
    description: 'TCP port the HTTP server listens on. 0 picks a free port.',
  },
  API_JWT_SECRET: {
    kind: 'secret',
    minBytes: 32,
    unit: 'bytes',
    description:
      'HMAC key that verifies HS256 access tokens, at least 32 bytes. Must equal AUTH_JWT_SECRET of the auth service. `_FILE` names a file that contains it; one trailing newline is removed. Required unless API_JWT_ALGORITHM is EdDSA.',
  },
  API_JWT_ALGORITHM: {
    kind: 'enum',
    values: ['HS256', 'EdDSA'],
    default: 'HS256',
    description:
      'Algorithm the jwt strategy accepts: HS256 with the shared API_JWT_SECRET, or EdDSA with the public keys of the JWKS at API_JWKS_URL. Must equal AUTH_JWT_ALGORITHM of the auth service. API_JWT_SECRET is not read in EdDSA mode.',
  },
  API_JWKS_URL: {
    kind: 'string',
    default: '',
    pattern: /^(https?:\/\/\S+)?$/,
    patternHint: 'an http:// or https:// URL',
    description:
      'EdDSA mode only, and required there: URL of the auth service JWKS, directly (http://127.0.10.1:4000/auth/.well-known/jwks.json in the local cluster) or through the balancer.',
  },
  API_JWKS_MAX_AGE_SECONDS: {
    kind: 'integer',
    default: 600,
    min: 1,
    max: 86_400,
    unit: 'seconds',
    description:
      'Age after which the cached JWKS is refetched in the background, from 1 to 86400. A withdrawn key stops verifying within this time. While the auth service is down the cached keys stay in use.',
  },
  API_JWKS_COOLDOWN_SECONDS: {
    kind: 'integer',
    default: 30,
    min: 0,
    max: 3600,
    unit: 'seconds',
    description:
      'Minimum time between two JWKS fetches, from 0 to 3600. A token with an unknown kid triggers a fetch only when the last one is older, so random kids cannot cause a fetch per request.',
  },
  API_JWKS_FETCH_TIMEOUT_MS: {
    kind: 'integer',
    default: 5000,
    min: 100,
    max: 30_000,
    unit: 'milliseconds',
    description:
      'Time a JWKS fetch may take before it fails and the cached keys stay in use, from 100 to 30000.',
  },
  API_JWT_ISSUER: {
    kind: 'string',
    default: 'authlab-auth',
    description: 'Required value of the iss claim. Must equal AUTH_JWT_ISSUER of the auth service.',
  },
  API_JWT_AUDIENCE: {
    kind: 'string',
    default: 'authlab-api',
    description: 'Value the aud claim must be or contain. Must equal AUTH_JWT_AUDIENCE of the auth service.',
  },
  API_JWT_CLOCK_TOLERANCE_SECONDS: {
    kind: 'integer',
    default: 0,
    min: 0,
    max: 60,
    unit: 'seconds',
    description: 'Clock skew allowed when checking exp and nbf, a whole number from 0 to 60.',
  },
  API_REVOCATION_CHECK: {
    kind: 'enum',
    values: ['off', 'fail-open', 'fail-closed'],
    default: 'fail-open',
    description:
      'Whether the jwt strategy rejects access tokens whose jti the auth service put on the Redis denylist at logout: off (never asks Redis, a token lives until exp), fail-open (asks, and accepts the token while Redis is down, with X-Revocation-Check: skipped) or fail-closed (asks, and answers 503 REVOCATION_CHECK_UNAVAILABLE while Redis is down).',
  },
  API_SESSION_SECRET: {
    kind: 'secret',
    minBytes: 32,
    unit: 'bytes',
    description:
      'Key that signs the session cookies, at least 32 bytes. Every replica needs the same value, or a cookie works only on the replica that issued it. `_FILE` works as for API_JWT_SECRET.',
  },
  API_SESSION_TTL_SECONDS: {
    kind: 'integer',
    default: 1800,
    min: 1,
    max: 2_592_000,
    unit: 'seconds',
    description:
      'Lifetime of a session from login, from 1 to 2592000: the cookie expiry and the Redis key TTL. Using the session does not extend it.',
  },
  API_COOKIE_SESSION_KEYS: {
    kind: 'secret',
    // The shortest valid list is one key of 32 bytes written as 43 unpadded base64 characters.
    minBytes: 43,
    unit: 'bytes',
    description:
      'Comma-separated keys that encrypt the cookie-session cookie, each 32 bytes written as 64 hex digits or as base64 (44 characters with padding). The first key encrypts, every key decrypts: to rotate, list the new key first and keep the old one after it until the old cookies expire. Every replica needs the same list. `_FILE` works as for API_JWT_SECRET.',
  },
  API_COOKIE_SESSION_TTL_SECONDS: {
    kind: 'integer',
    default: 1800,
    min: 1,
    max: 2_592_000,
    unit: 'seconds',
    description:
      'Lifetime of a cookie-session session from login, from 1 to 2592000. The login time is stored inside the encrypted cookie and checked on every request; using or changing the session does not extend it.',
  },
  API_LOGIN_MAX_FAILURES_PER_ACCOUNT: {
    kind: 'integer',
    default: 5,
    min: 1,
    max: 100,
    description:
      'Failed Basic logins for one username within the window after which every Basic request for it, even with the correct password, gets 429 LOGIN_THROTTLED. The counters live in Redis and are shared with the auth service, so set it to AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT.',
  },
  API_LOGIN_MAX_FAILURES_PER_CLIENT: {
    kind: 'integer',
    default: 20,
    min: 1,
    max: 10_000,
    description:
      'Failed Basic logins from one client address, over all usernames, within the window after which that address gets 429 LOGIN_THROTTLED. Set it to AUTH_LOGIN_MAX_FAILURES_PER_CLIENT.',
  },
  API_LOGIN_FAILURE_WINDOW_SECONDS: {
    kind: 'integer',
    default: 900,
    min: 1,
    max: 86_400,
    unit: 'seconds',
    description:
      'Length of the login throttle window, counted from the first failure in it. Retry-After on a 429 is the time left in it. Set it to AUTH_LOGIN_FAILURE_WINDOW_SECONDS.',
  },
  API_COOKIE_SECURE: {
    kind: 'enum',
    values: ['auto', 'always', 'never'],
    default: 'auto',
    description:
      'When session cookies get the Secure attribute: auto (only for requests that arrived over https, as a trusted proxy reports in X-Forwarded-Proto), always or never.',
  },
  API_REDIS_URL: {
    kind: 'string',
    default: 'redis://127.0.0.1:6379',
    pattern: /^rediss?:\/\/\S+$/,
    patternHint: 'a redis:// or rediss:// URL',
    description: 'URL of the Redis server that stores the session-redis sessions.',
  },
  API_REDIS_COMMAND_TIMEOUT_MS: {
    kind: 'integer',
    default: 500,
    min: 50,
    max: 10_000,
    unit: 'milliseconds',
    description:
      'Time after which a Redis command without a reply fails, from 50 to 10000. The request then gets 503 SESSION_STORE_UNAVAILABLE.',
  },
  API_RETRY_AFTER_SECONDS: {
    kind: 'integer',
    default: 5,
    min: 1,
    max: 3600,
    unit: 'seconds',
    description: 'Value of the Retry-After header on 503 responses, from 1 to 3600.',
  },
  API_TRUST_PROXY: {
    kind: 'list',
    default: '',
    itemPattern: /^[0-9A-Fa-f.:]+(\/\d{1,3})?$/,
    itemHint: 'IP addresses or CIDR ranges',
    description:
      'Comma-separated IP addresses or CIDR ranges of the proxies whose X-Forwarded-For and X-Forwarded-Proto headers are trusted. Empty trusts none. In the local cluster nginx connects from 127.0.0.1.',
  },
  API_BODY_LIMIT_BYTES: {
    kind: 'integer',
    default: 16_384,
    min: 1024,
    max: 1_048_576,
    unit: 'bytes',
    description: 'Maximum request body size, from 1024 to 1048576. Larger bodies get 413 BODY_TOO_LARGE.',
  },
  API_CORS_ORIGINS: buildCorsOriginsSpec(),
  LOG_LEVEL: {
    kind: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    description:
      'Minimum level of the JSON log lines written to stdout: fatal, error, warn, info, debug, trace or silent.',
  },
} as const satisfies ConfigSchema;

/** The schema without API_JWT_SECRET, for EdDSA mode, because a secret spec is always required. */
const { API_JWT_SECRET: _unusedSecretSpec, ...asymmetricConfigSchema } = apiConfigSchema;

export type JwtAlgorithm = 'HS256' | 'EdDSA';

export type CookieSecureMode = 'auto' | 'always' | 'never';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** A replica's settings, read once from the environment. */
export interface ApiConfig {
  readonly replicaId: string;
  readonly host: string;
  readonly port: number;
  readonly jwtAlgorithm: JwtAlgorithm;
  /** The HMAC key in HS256 mode; empty in EdDSA mode, which never reads it. */
  readonly jwtSecret: string;
  readonly jwksUrl: string;
  readonly jwksMaxAgeSeconds: number;
  readonly jwksCooldownSeconds: number;
  readonly jwksFetchTimeoutMs: number;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly jwtClockToleranceSeconds: number;
  readonly revocationCheck: RevocationCheckMode;
  readonly sessionSecret: string;
  readonly sessionTtlSeconds: number;
  /** Keys of the cookie-session strategy, 32 bytes each; the first encrypts, all decrypt. */
  readonly cookieSessionKeys: readonly Buffer[];
  readonly cookieSessionTtlSeconds: number;
  readonly loginMaxFailuresPerAccount: number;
  readonly loginMaxFailuresPerClient: number;
  readonly loginFailureWindowSeconds: number;
  readonly cookieSecure: CookieSecureMode;
  readonly redisUrl: string;
  readonly redisCommandTimeoutMs: number;
  readonly retryAfterSeconds: number;
  readonly trustProxy: readonly string[];
  readonly bodyLimitBytes: number;
  /** Origins whose pages may call the replica with credentials. Each gets exact-match CORS headers. */
  readonly corsOrigins: readonly string[];
  readonly logLevel: LogLevel;
}

/**
 * Reads and checks the replica's environment and returns a frozen config. Throws a `ConfigError` that
 * lists every invalid variable at once.
 */
export function loadConfig(env: Environment): ApiConfig {
  const problems: ConfigProblem[] = [];

  let values: ConfigValues<typeof apiConfigSchema> | undefined;
  const asymmetric = env.API_JWT_ALGORITHM === 'EdDSA';
  try {
    values = asymmetric
      ? { ...readConfig(asymmetricConfigSchema, env), API_JWT_SECRET: '' }
      : readConfig(apiConfigSchema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw error;
    }
    problems.push(...error.problems);
  }

  problems.push(...checkCorsOriginsVariable(env, 'API_CORS_ORIGINS'));

  if (asymmetric && !env.API_JWKS_URL) {
    problems.push({
      variable: 'API_JWKS_URL',
      message:
        'API_JWKS_URL is missing: API_JWT_ALGORITHM=EdDSA needs the URL of the auth service JWKS, for example http://127.0.10.1:4000/auth/.well-known/jwks.json',
    });
  }

  // The schema's item pattern admits any string of address characters, so node:net checks each address.
  const badProxies = splitList(env.API_TRUST_PROXY).filter((entry) => !isProxyAddress(entry));
  if (badProxies.length > 0 && !problems.some((problem) => problem.variable === 'API_TRUST_PROXY')) {
    problems.push({
      variable: 'API_TRUST_PROXY',
      message: `API_TRUST_PROXY is invalid: expected IP addresses or CIDR ranges, got "${badProxies.join(', ')}"`,
    });
  }

  const keys = readCookieSessionKeys(env);
  if ('problem' in keys) {
    problems.push({ variable: 'API_COOKIE_SESSION_KEYS', message: keys.problem });
  }

  if (problems.length > 0 || values === undefined || !('keys' in keys)) {
    throw new ConfigError(problems);
  }

  return Object.freeze({
    replicaId: values.REPLICA_ID,
    host: values.API_HOST,
    port: values.API_PORT,
    jwtAlgorithm: values.API_JWT_ALGORITHM as JwtAlgorithm,
    jwtSecret: values.API_JWT_SECRET,
    jwksUrl: values.API_JWKS_URL,
    jwksMaxAgeSeconds: values.API_JWKS_MAX_AGE_SECONDS,
    jwksCooldownSeconds: values.API_JWKS_COOLDOWN_SECONDS,
    jwksFetchTimeoutMs: values.API_JWKS_FETCH_TIMEOUT_MS,
    jwtIssuer: values.API_JWT_ISSUER,
    jwtAudience: values.API_JWT_AUDIENCE,
    jwtClockToleranceSeconds: values.API_JWT_CLOCK_TOLERANCE_SECONDS,
    revocationCheck: values.API_REVOCATION_CHECK as RevocationCheckMode,
    sessionSecret: values.API_SESSION_SECRET,
    sessionTtlSeconds: values.API_SESSION_TTL_SECONDS,
    cookieSessionKeys: Object.freeze(keys.keys),
    cookieSessionTtlSeconds: values.API_COOKIE_SESSION_TTL_SECONDS,
    loginMaxFailuresPerAccount: values.API_LOGIN_MAX_FAILURES_PER_ACCOUNT,
    loginMaxFailuresPerClient: values.API_LOGIN_MAX_FAILURES_PER_CLIENT,
    loginFailureWindowSeconds: values.API_LOGIN_FAILURE_WINDOW_SECONDS,
    cookieSecure: values.API_COOKIE_SECURE as CookieSecureMode,
    redisUrl: values.API_REDIS_URL,
    redisCommandTimeoutMs: values.API_REDIS_COMMAND_TIMEOUT_MS,
    retryAfterSeconds: values.API_RETRY_AFTER_SECONDS,
    trustProxy: Object.freeze([...values.API_TRUST_PROXY]),
    bodyLimitBytes: values.API_BODY_LIMIT_BYTES,
    corsOrigins: Object.freeze([...values.API_CORS_ORIGINS]),
    logLevel: values.LOG_LEVEL as LogLevel,
  });
}

/** Size of one cookie-session key: libsodium's crypto_secretbox (XSalsa20-Poly1305) takes 32-byte keys. */
const COOKIE_SESSION_KEY_BYTES = 32;
const HEX_KEY_PATTERN = /^[0-9A-Fa-f]{64}$/;
// Standard or URL-safe alphabet, with or without the one padding character of a 32-byte value.
const BASE64_KEY_PATTERN = /^(?:[A-Za-z0-9+/]{43}|[A-Za-z0-9_-]{43})=?$/;

/**
 * Reads API_COOKIE_SESSION_KEYS (or its `_FILE`) and decodes it into 32-byte keys. A problem names the
 * position of the bad key and its length, never the key itself. Returns neither when the schema check has
 * already reported the variable.
 */
function readCookieSessionKeys(
  env: Environment,
): { keys: Buffer[] } | { problem: string } | { reported: true } {
  let raw: string;
  try {
    raw = readConfig(
      { API_COOKIE_SESSION_KEYS: apiConfigSchema.API_COOKIE_SESSION_KEYS },
      env,
    ).API_COOKIE_SESSION_KEYS;
  } catch (error) {
    if (error instanceof ConfigError) {
      return { reported: true };
    }
    throw error;
  }

  const entries = raw.split(',').map((entry) => entry.trim());
  const keys: Buffer[] = [];

  for (const [index, entry] of entries.entries()) {
    const position = `key ${index + 1} of ${entries.length}`;
    // Hex comes first: 64 hex digits are also valid base64 characters, but decode to 48 bytes.
    if (HEX_KEY_PATTERN.test(entry)) {
      keys.push(Buffer.from(entry, 'hex'));
      continue;
    }
    if (BASE64_KEY_PATTERN.test(entry)) {
      const key = Buffer.from(entry, entry.includes('-') || entry.includes('_') ? 'base64url' : 'base64');
      if (key.length === COOKIE_SESSION_KEY_BYTES) {
        keys.push(key);
        continue;
      }
    }
    return {
      problem: `API_COOKIE_SESSION_KEYS is invalid: ${position} (${entry.length} characters) is not ${COOKIE_SESSION_KEY_BYTES} bytes written as 64 hex digits or as base64; generate one with: openssl rand -base64 32`,
    };
  }

  return { keys };
}

function splitList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Checks one API_TRUST_PROXY entry: an IP address, optionally with a prefix length that fits its family. */
function isProxyAddress(entry: string): boolean {
  const [address = '', prefix] = entry.split('/');
  const family = isIP(address);
  if (family === 0) {
    return false;
  }
  if (prefix === undefined) {
    return true;
  }
  const prefixLength = Number(prefix);
  return prefixLength <= (family === 4 ? 32 : 128);
}
