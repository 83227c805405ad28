import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { corsPolicyPlugin } from '@authlab/cors-policy';
import { handleFrameworkError, httpErrorsPlugin } from '@authlab/http-errors';
import { buildUserDirectory, type UserDirectory } from '@authlab/users';
import fastifyCookie from '@fastify/cookie';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyLoggerOptions,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { AuthConfig } from './config.js';
import { accessTokensPlugin } from './plugins/access-tokens.js';
import { responseHeadersPlugin, SERVED_BY } from './plugins/response-headers.js';
import { tokenStoresPlugin } from './plugins/token-stores.js';
import { healthRoutes } from './routes/health.js';
import { jwksRoutes } from './routes/jwks.js';
import { loginRoutes } from './routes/login.js';
import { logoutRoutes } from './routes/logout.js';
import { refreshRoutes } from './routes/refresh.js';

export type { AuthConfig } from './config.js';
export { authConfigSchema, loadConfig } from './config.js';
export { authErrors, LOGIN_CHALLENGE } from './errors.js';

/** Destination of the JSON log lines: anything with `write(line)`, such as a file stream or a test buffer. */
export interface LogStream {
  write(line: string): unknown;
}

export interface BuildAppOptions {
  /** `false` turns logging off, and `{ stream }` sends the log lines there. The default is stdout. */
  logger?: false | { stream: LogStream };
  /** Accounts that may sign in. The default is the published demo users. */
  userDirectory?: UserDirectory;
  /** A Redis client the caller owns and closes. The app creates and closes its own from AUTH_REDIS_URL when absent. */
  redis?: Redis;
}

/** Paths whose values pino replaces with "[redacted]" in every log line that contains them. */
const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
];

function buildLoggerOptions(
  config: AuthConfig,
  logger: BuildAppOptions['logger'],
): FastifyServerOptions['logger'] {
  if (logger === false) {
    return false;
  }

  const options: FastifyLoggerOptions & { redact: { paths: string[]; censor: string } } = {
    level: config.logLevel,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
  };
  if (logger?.stream) {
    options.stream = logger.stream;
  }
  return options;
}

/** nginx sends 32 hex digits as the request id. A value outside this shape is replaced, not logged. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Uses the `X-Request-Id` the balancer set, so a request keeps one id across nginx and the service, and
 * replaces a missing or malformed value with a UUID, so a client cannot write arbitrary text into the log.
 */
function readRequestId(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
}

/**
 * Sends the error response for errors that fastify raises before routing, such as a malformed
 * percent-encoding in the path. Such requests skip the `onSend` hooks, so this function sets the service's
 * headers before the shared handler sends the lab's error body.
 */
function handleAuthFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.headers({ 'x-served-by': SERVED_BY, 'x-request-id': request.id });
  return handleFrameworkError(error, request, reply);
}

/**
 * Builds the auth service: `POST /auth/login`, `POST /auth/refresh`, `POST /auth/logout`,
 * `GET /auth/.well-known/jwks.json`, `GET /healthz` and `GET /readyz`. The returned instance is not
 * listening; the caller starts it with `listen` or drives it with `inject`.
 */
export function buildApp(config: AuthConfig, options: BuildAppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: buildLoggerOptions(config, options.logger),
    requestIdHeader: false,
    genReqId: readRequestId,
    // Only the listed proxies may set the client address through X-Forwarded-For. `true` would trust anyone.
    trustProxy: config.trustProxy.length > 0 ? [...config.trustProxy] : false,
    bodyLimit: config.bodyLimitBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // fastify's defaults coerce `123` into `"123"` and silently drop unknown fields. The schemas reject both.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    frameworkErrors: handleAuthFrameworkError,
  });

  // fastify parses text/plain by default. Dropping that parser makes every non-JSON body a 415, which also
  // forces a CORS preflight before any cross-origin browser POST.
  app.removeContentTypeParser('text/plain');

  app.register(httpErrorsPlugin);
  // CORS comes before every other hook, so a browser's preflight gets its 204 before anything can reject it.
  app.register(corsPolicyPlugin, { allowedOrigins: config.corsOrigins });
  app.register(responseHeadersPlugin);
  app.register(fastifyCookie);
  app.register(accessTokensPlugin, { config });
  app.register(tokenStoresPlugin, { config, ...(options.redis ? { redis: options.redis } : {}) });
  app.register(healthRoutes, { config });
  app.register(loginRoutes, { config, userDirectory: options.userDirectory ?? buildUserDirectory() });
  app.register(refreshRoutes, { config });
  app.register(logoutRoutes, { config });
  app.register(jwksRoutes, { config });

  return app;
}
