import { buildErrorBody } from '@authlab/http-errors';
import { SessionStoreUnavailableError } from '@authlab/session-store';
import fastifySession, { type SessionStore } from '@fastify/session';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrors } from '../errors.js';
import { addSessionRoutes, type SessionRoutesOptions } from '../routes/session.js';

export interface SessionStrategyOptions extends SessionRoutesOptions {
  /** Session store. @fastify/session uses its per-process MemoryStore when absent. */
  store?: SessionStore;
}

const COOKIE_SECURE_OPTION = Object.freeze({ auto: 'auto', always: true, never: false } as const);

/**
 * Registers one session strategy in its own encapsulated scope, with its own @fastify/session instance,
 * store and cookie, so `session-memory` and `session-redis` never see each other's sessions.
 * Register it without fastify-plugin; @fastify/cookie must already be registered on a parent.
 */
export async function sessionStrategyPlugin(scope: FastifyInstance, options: SessionStrategyOptions) {
  const { config, store, strategy } = options;

  await scope.register(fastifySession, {
    secret: config.sessionSecret,
    cookieName: options.cookieName,
    store,
    // Anonymous requests get no cookie and write nothing to the store.
    saveUninitialized: false,
    // The lifetime counts from login and does not slide with use.
    rolling: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: COOKIE_SECURE_OPTION[config.cookieSecure],
      maxAge: config.sessionTtlSeconds * 1000,
    },
  });

  scope.setErrorHandler(function mapSessionStoreError(
    error: FastifyError,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    if (!(error instanceof SessionStoreUnavailableError)) {
      throw error;
    }

    // Dropping the request's session stops @fastify/session from touching the cookie on this response:
    // the client keeps its session cookie and can use it once the store is back.
    (request as { session: unknown }).session = null;

    // One warning per failed request, without a stack: the Redis client logs the outage itself once.
    request.log.warn({ strategy, reason: error.message }, 'session store unavailable');
    const { statusCode, message } = apiErrors.SESSION_STORE_UNAVAILABLE;
    return reply
      .code(statusCode)
      .header('retry-after', String(config.retryAfterSeconds))
      .type('application/json; charset=utf-8')
      .send(buildErrorBody(statusCode, 'SESSION_STORE_UNAVAILABLE', message));
  });

  addSessionRoutes(scope, options);
}
