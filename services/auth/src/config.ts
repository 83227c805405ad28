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

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

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
      'HMAC key that signs access tokens with HS256. The replicas verify with the same key. Generate one with `openssl rand -base64 48`.',
    unit: 'bytes',
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

/** The validated, frozen settings of one auth service process. */
export interface AuthConfig {
  readonly host: string;
  readonly port: number;
  readonly jwtSecret: string;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly accessTokenTtlSeconds: number;
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

  try {
    values = readConfig(authConfigSchema, env);
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

  if (problems.length > 0 || !values) {
    throw new ConfigError(problems);
  }

  return Object.freeze({
    host: values.AUTH_HOST,
    port: values.AUTH_PORT,
    jwtSecret: values.AUTH_JWT_SECRET,
    jwtIssuer: values.AUTH_JWT_ISSUER,
    jwtAudience: values.AUTH_JWT_AUDIENCE,
    accessTokenTtlSeconds: values.AUTH_ACCESS_TOKEN_TTL_SECONDS,
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
