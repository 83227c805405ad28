import { buildErrorBody, type ErrorCatalog } from '@authlab/http-errors';
import fastifyCors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { findOriginProblem } from './origins.js';

/** Error codes the CORS policy sends itself. `docs/errors.md` lists them under "CORS". */
export const corsErrors = {
  CORS_PREFLIGHT_INVALID: {
    statusCode: 400,
    message:
      'An OPTIONS request needs the Origin and Access-Control-Request-Method headers, as a browser preflight has. Send both, or use another method.',
  },
} as const satisfies ErrorCatalog;

export interface CorsPolicyOptions {
  /** Exact origins that get CORS headers, as browsers serialize them, for example `http://127.0.0.1:8088`. */
  readonly allowedOrigins: readonly string[];
}

/** Settings shared by every service; the README of this package explains each value. */
export const CORS_POLICY = Object.freeze({
  methods: ['GET', 'HEAD', 'POST'],
  // `authorization` is named because the Fetch Standard never lets `*` cover it.
  allowedHeaders: ['authorization', 'content-type'],
  exposedHeaders: ['X-Served-By', 'X-Request-Id'],
  maxAgeSeconds: 600,
});

/** Longest Origin value copied into a log line; longer values are cut. */
const MAX_LOGGED_ORIGIN_LENGTH = 200;

/** Tells whether a request is a CORS preflight: OPTIONS with both Origin and Access-Control-Request-Method. */
export function isCorsPreflight(request: FastifyRequest): boolean {
  return (
    request.method === 'OPTIONS' &&
    typeof request.headers.origin === 'string' &&
    typeof request.headers['access-control-request-method'] === 'string'
  );
}

function checkOptions(options: CorsPolicyOptions): Set<string> {
  if (!Array.isArray(options?.allowedOrigins)) {
    throw new TypeError(
      'corsPolicyPlugin needs allowedOrigins: an array of origins such as http://127.0.0.1:8088',
    );
  }

  const problems = options.allowedOrigins.flatMap((origin) => {
    const problem = findOriginProblem(origin);
    return problem === null ? [] : [problem];
  });
  if (problems.length > 0) {
    throw new TypeError(`corsPolicyPlugin allowedOrigins is invalid: ${problems.join('; ')}`);
  }

  return new Set(options.allowedOrigins);
}

/**
 * Adds credentialed CORS for an allowlist of exact origins. A listed origin is echoed with
 * `Access-Control-Allow-Credentials: true`. Any other origin, `null` included, gets no CORS header, and the
 * request goes on as if it had no Origin. Every response carries `Vary: Origin`. Preflights get their
 * response in `onRequest`, so register this plugin before any hook that authenticates.
 */
export const corsPolicyPlugin = fastifyPlugin(
  async function registerCorsPolicy(app: FastifyInstance, options: CorsPolicyOptions) {
    const allowed = checkOptions(options);

    // In strict mode @fastify/cors replies to a broken preflight with a text/plain 400. This hook runs first
    // and sends the lab's JSON error instead, so strict mode is turned off below.
    app.addHook('onRequest', async function checkCorsRequest(request: FastifyRequest, reply: FastifyReply) {
      const origin = request.headers.origin;
      if (typeof origin === 'string' && !allowed.has(origin)) {
        request.log.info({ origin: origin.slice(0, MAX_LOGGED_ORIGIN_LENGTH) }, 'cors origin not allowed');
      }

      if (request.method !== 'OPTIONS' || isCorsPreflight(request)) {
        return;
      }

      request.log.info({ origin: origin?.slice(0, MAX_LOGGED_ORIGIN_LENGTH) }, 'preflight rejected');
      const { statusCode, message } = corsErrors.CORS_PREFLIGHT_INVALID;
      return reply
        .code(statusCode)
        .header('cache-control', 'no-store')
        .type('application/json; charset=utf-8')
        .send(buildErrorBody(statusCode, 'CORS_PREFLIGHT_INVALID', message));
    });

    await app.register(fastifyCors, {
      // A function origin makes @fastify/cors add `Vary: Origin` to every response and send no CORS header at
      // all for `false`. It never fails, because an error here would become a 500.
      origin: function isAllowedOrigin(origin, callback) {
        callback(null, origin !== undefined && allowed.has(origin));
      },
      credentials: true,
      methods: CORS_POLICY.methods,
      allowedHeaders: CORS_POLICY.allowedHeaders,
      exposedHeaders: CORS_POLICY.exposedHeaders,
      maxAge: CORS_POLICY.maxAgeSeconds,
      strictPreflight: false,
      hook: 'onRequest',
    });
  },
  { name: 'authlab-cors-policy', fastify: '5.x' },
);
