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
import { loadSigningKeys, SigningKeyError, type SigningKeySet } from '@authlab/jwks';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

export type CookieSecureMode = 'auto' | 'always' | 'never';

export type JwtAlgorithm = 'HS256' | 'EdDSA';

/** Every environment variable the auth service reads. The README table and the env example list these names. */
export const authConfigSchema = {
  AUTH_HOST: {
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address the HTTP server binds to.',
  },
  AUTH_PORT: {
    kind: 'integer',
    default: 4000,
    min: 0,
    max: 65535,
    description: 'TCP port the HTTP server listens on. 0 picks a free port.',
  },
  AUTH_JWT_SECRET: {
    kind: 'secret',
    minBytes: 32,
    description:
      'HMAC key that signs access tokens with HS256. The replicas verify with the same key. Generate one with `openssl rand -base64 48`. Required unless AUTH_JWT_ALGORITHM is EdDSA.',
    unit: 'bytes',
  },
  AUTH_JWT_ALGORITHM: {
    kind: 'enum',
    values: ['HS256', 'EdDSA'],
    default: 'HS256',
    description:
      'Signing algorithm of access tokens: HS256 with the shared AUTH_JWT_SECRET, or EdDSA (Ed25519) with the private keys in AUTH_JWT_KEYS_DIR, whose public halves GET /auth/.well-known/jwks.json publishes. AUTH_JWT_SECRET is not read in EdDSA mode.',
  },
  AUTH_JWT_KEYS_DIR: {
    kind: 'string',
    default: '',
    description:
      'EdDSA mode only, and required there: directory of Ed25519 private keys in PKCS#8 PEM, one file <kid>.pem per key (openssl genpkey -algorithm ed25519 -out <kid>.pem). Every key in it is published in the JWKS.',
  },
  AUTH_JWT_ACTIVE_KID: {
    kind: 'string',
    default: '',
    description:
      'EdDSA mode only, and required there: the kid (file name without .pem) of the key in AUTH_JWT_KEYS_DIR that signs new tokens. The other keys stay published, so tokens they signed keep verifying.',
  },
  AUTH_JWT_ISSUER: {
    kind: 'string',
    default: 'authlab-auth',
    description: 'Value of the `iss` claim in every access token.',
  },
  AUTH_JWT_AUDIENCE: {
    kind: 'string',
    default: 'authlab-api',
    description: 'Value of the `aud` claim in every access token.',
  },
  AUTH_ACCESS_TOKEN_TTL_SECONDS: {
    kind: 'integer',
    default: 900,
    min: 30,
    max: 86_400,
    unit: 'seconds',
    description: 'Lifetime of an access token, as a whole number of seconds (`exp` = `iat` + this value).',
  },
  AUTH_REFRESH_TOKEN_TTL_SECONDS: {
    kind: 'integer',
    default: 86_400,
    min: 60,
    max: 2_592_000,
    unit: 'seconds',
    description:
      'Lifetime of one refresh token, from 60 to 2592000. Each refresh replaces the token with a new one of this lifetime, capped by the family lifetime.',
  },
  AUTH_REFRESH_FAMILY_LIFETIME_SECONDS: {
    kind: 'integer',
    default: 604_800,
    min: 1,
    max: 31_536_000,
    unit: 'seconds',
    description:
      'Absolute lifetime of a refresh token family, counted from the login that started it, from 1 to 31536000. After it, the user must sign in again however often they refreshed.',
  },
  AUTH_REFRESH_REUSE_GRACE_SECONDS: {
    kind: 'integer',
    default: 5,
    min: 0,
    max: 60,
    unit: 'seconds',
    description:
      'Time after a refresh during which a second refresh with the same, now spent, token gets 409 REFRESH_TOKEN_CONFLICT and leaves the family alive, from 0 to 60. Later reuse revokes the whole family. 0 revokes on any reuse.',
  },
  AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: {
    kind: 'integer',
    default: 5,
    min: 1,
    max: 100,
    description:
      'Failed logins for one username within the window after which every login for it, even with the correct password, gets 429 LOGIN_THROTTLED until the window ends.',
  },
  AUTH_LOGIN_MAX_FAILURES_PER_CLIENT: {
    kind: 'integer',
    default: 20,
    min: 1,
    max: 10_000,
    description:
      'Failed logins from one client address, over all usernames, within the window after which that address gets 429 LOGIN_THROTTLED.',
  },
  AUTH_LOGIN_FAILURE_WINDOW_SECONDS: {
    kind: 'integer',
    default: 900,
    min: 1,
    max: 86_400,
    unit: 'seconds',
    description:
      'Length of the login throttle window, counted from the first failure in it. Retry-After on a 429 is the time left in it.',
  },
  AUTH_COOKIE_SECURE: {
    kind: 'enum',
    values: ['auto', 'always', 'never'],
    default: 'auto',
    description:
      'When the access_token and refresh_token cookies get the Secure attribute: auto (only for requests that arrived over https, as a trusted proxy reports in X-Forwarded-Proto), always or never.',
  },
  AUTH_REDIS_URL: {
    kind: 'string',
    default: 'redis://127.0.0.1:6379',
    pattern: /^rediss?:\/\/\S+$/,
    patternHint: 'a redis:// or rediss:// URL',
    description:
      'URL of the Redis server that stores refresh tokens, revoked access token ids and login throttle counters.',
  },
  AUTH_REDIS_COMMAND_TIMEOUT_MS: {
    kind: 'integer',
    default: 500,
    min: 50,
    max: 10_000,
    unit: 'milliseconds',
    description:
      'Time after which a Redis command without a reply fails, from 50 to 10000. The request then gets 503 AUTH_STORE_UNAVAILABLE.',
  },
  AUTH_RETRY_AFTER_SECONDS: {
    kind: 'integer',
    default: 5,
    min: 1,
    max: 3600,
    unit: 'seconds',
    description: 'Value of the Retry-After header on 503 responses, from 1 to 3600.',
  },
  AUTH_TRUST_PROXY: {
    kind: 'list',
    default: '',
    itemHint: 'IP addresses or CIDR ranges',
    description:
      'Comma-separated IP addresses or CIDR ranges of the proxies whose X-Forwarded-For header is trusted. Empty trusts none.',
  },
  AUTH_BODY_LIMIT_BYTES: {
    kind: 'integer',
    default: 16_384,
    min: 1024,
    max: 1_048_576,
    unit: 'bytes',
    description: 'Maximum request body size. Larger bodies get 413 BODY_TOO_LARGE.',
  },
  AUTH_CORS_ORIGINS: buildCorsOriginsSpec(),
  LOG_LEVEL: {
    kind: 'enum',
    values: LOG_LEVELS,
    default: 'info',
    description: 'Minimum level of the JSON log lines written to stdout.',
  },
} as const satisfies ConfigSchema;

/** The schema without AUTH_JWT_SECRET, for EdDSA mode, because a secret spec is always required. */
const { AUTH_JWT_SECRET: _unusedSecretSpec, ...asymmetricConfigSchema } = authConfigSchema;

/** The validated, frozen settings of one auth service process. */
export interface AuthConfig {
  readonly host: string;
  readonly port: number;
  readonly jwtAlgorithm: JwtAlgorithm;
  /** The HMAC key in HS256 mode; empty in EdDSA mode, which never reads it. */
  readonly jwtSecret: string;
  /** The Ed25519 keys in EdDSA mode, loaded from files once at start-up; undefined in HS256 mode. */
  readonly signingKeys: SigningKeySet | undefined;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshFamilyLifetimeSeconds: number;
  readonly refreshReuseGraceSeconds: number;
  readonly loginMaxFailuresPerAccount: number;
  readonly loginMaxFailuresPerClient: number;
  readonly loginFailureWindowSeconds: number;
  readonly cookieSecure: CookieSecureMode;
  readonly redisUrl: string;
  readonly redisCommandTimeoutMs: number;
  readonly retryAfterSeconds: number;
  /** Addresses and CIDR ranges passed to fastify's `trustProxy`. An empty list trusts no proxy. */
  readonly trustProxy: readonly string[];
  readonly bodyLimitBytes: number;
  /** Origins whose pages may call the service with credentials. Each gets exact-match CORS headers. */
  readonly corsOrigins: readonly string[];
  readonly logLevel: LogLevel;
}

/**
 * Reads and checks the auth service's environment and returns a frozen config. This is the only reader of
 * `process.env` in the service. Throws a `ConfigError` that lists every problem at once, and a secret appears
 * in its messages only as a length.
 */
export function loadConfig(env: Environment = process.env): AuthConfig {
  const problems: ConfigProblem[] = [];
  let values: ConfigValues<typeof authConfigSchema> | undefined;

  const asymmetric = env.AUTH_JWT_ALGORITHM === 'EdDSA';
  try {
    values = asymmetric
      ? { ...readConfig(asymmetricConfigSchema, env), AUTH_JWT_SECRET: '' }
      : readConfig(authConfigSchema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw error;
    }
    problems.push(...error.problems);
  }

  const proxyProblem = checkTrustedProxies(env.AUTH_TRUST_PROXY ?? '');
  if (proxyProblem) {
    problems.push(proxyProblem);
  }
  problems.push(...checkCorsOriginsVariable(env, 'AUTH_CORS_ORIGINS'));

  const signingKeys = asymmetric && values ? readSigningKeys(values, problems) : undefined;

  if (problems.length > 0 || !values) {
    throw new ConfigError(problems);
  }

  return Object.freeze({
    host: values.AUTH_HOST,
    port: values.AUTH_PORT,
    jwtAlgorithm: values.AUTH_JWT_ALGORITHM as JwtAlgorithm,
    jwtSecret: values.AUTH_JWT_SECRET,
    signingKeys,
    jwtIssuer: values.AUTH_JWT_ISSUER,
    jwtAudience: values.AUTH_JWT_AUDIENCE,
    accessTokenTtlSeconds: values.AUTH_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: values.AUTH_REFRESH_TOKEN_TTL_SECONDS,
    refreshFamilyLifetimeSeconds: values.AUTH_REFRESH_FAMILY_LIFETIME_SECONDS,
    refreshReuseGraceSeconds: values.AUTH_REFRESH_REUSE_GRACE_SECONDS,
    loginMaxFailuresPerAccount: values.AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT,
    loginMaxFailuresPerClient: values.AUTH_LOGIN_MAX_FAILURES_PER_CLIENT,
    loginFailureWindowSeconds: values.AUTH_LOGIN_FAILURE_WINDOW_SECONDS,
    cookieSecure: values.AUTH_COOKIE_SECURE as CookieSecureMode,
    redisUrl: values.AUTH_REDIS_URL,
    redisCommandTimeoutMs: values.AUTH_REDIS_COMMAND_TIMEOUT_MS,
    retryAfterSeconds: values.AUTH_RETRY_AFTER_SECONDS,
    trustProxy: Object.freeze([...values.AUTH_TRUST_PROXY]),
    bodyLimitBytes: values.AUTH_BODY_LIMIT_BYTES,
    corsOrigins: Object.freeze([...values.AUTH_CORS_ORIGINS]),
    logLevel: values.LOG_LEVEL as LogLevel,
  });
}

/**
 * Checks each entry of AUTH_TRUST_PROXY with `net.isIP`, because a regular expression for IPv6 is either
 * wrong or unreadable, and fastify would otherwise throw on a bad entry only when the app is built.
 */
function checkTrustedProxies(raw: string): ConfigProblem | undefined {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const invalid = entries.filter((entry) => !isAddressOrCidr(entry));

  if (invalid.length === 0) {
    return undefined;
  }
  return {
    variable: 'AUTH_TRUST_PROXY',
    message: `AUTH_TRUST_PROXY is invalid: expected a comma-separated list of IP addresses or CIDR ranges such as 127.0.0.1 or 10.0.0.0/8, got "${invalid.join(', ')}"`,
  };
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);

  if (family === 0 || extra !== undefined) {
    return false;
  }
  if (prefix === undefined) {
    return true;
  }

  const maxPrefixBits = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefixBits;
}

/** Loads the EdDSA keys named by AUTH_JWT_KEYS_DIR and AUTH_JWT_ACTIVE_KID, adding a problem for each gap. */
function readSigningKeys(
  values: { AUTH_JWT_KEYS_DIR: string; AUTH_JWT_ACTIVE_KID: string },
  problems: ConfigProblem[],
): SigningKeySet | undefined {
  const missing = (['AUTH_JWT_KEYS_DIR', 'AUTH_JWT_ACTIVE_KID'] as const).filter(
    (name) => values[name] === '',
  );
  for (const name of missing) {
    problems.push({
      variable: name,
      message: `${name} is missing: AUTH_JWT_ALGORITHM=EdDSA needs AUTH_JWT_KEYS_DIR (a directory of <kid>.pem Ed25519 keys) and AUTH_JWT_ACTIVE_KID (the kid that signs)`,
    });
  }
  if (missing.length > 0) {
    return undefined;
  }

  try {
    return loadSigningKeys(values.AUTH_JWT_KEYS_DIR, values.AUTH_JWT_ACTIVE_KID);
  } catch (error) {
    if (!(error instanceof SigningKeyError)) {
      throw error;
    }
    problems.push({
      variable: 'AUTH_JWT_KEYS_DIR',
      message: `AUTH_JWT_KEYS_DIR is invalid: ${error.message}`,
    });
    return undefined;
  }
}
