import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { AppError, type ErrorBody, type ErrorCatalog } from './app-error.js';

/** Codes every service shares for errors that fastify itself raises before a route runs. */
export const commonErrors = {
  BODY_INVALID: { statusCode: 400, message: 'The request body is not valid JSON. Send a JSON object.' },
  REQUEST_INVALID: {
    statusCode: 400,
    message: 'The request does not match what this route accepts. Check the fields and their types.',
  },
  URL_INVALID: {
    statusCode: 400,
    message: 'The request URL could not be decoded. Check its percent-encoding.',
  },
  ROUTE_NOT_FOUND: { statusCode: 404, message: 'No route matches this method and path.' },
  BODY_TOO_LARGE: { statusCode: 413, message: 'The request body is larger than this service accepts.' },
  MEDIA_TYPE_UNSUPPORTED: {
    statusCode: 415,
    message: 'This route accepts only Content-Type: application/json.',
  },
  INTERNAL_ERROR: { statusCode: 500, message: 'The service failed to process the request. Try again later.' },
} as const satisfies ErrorCatalog;

/** fastify error codes mapped onto the lab's own, so clients see one vocabulary. */
const FASTIFY_CODES: Readonly<Record<string, keyof typeof commonErrors>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'BODY_INVALID',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BODY_INVALID',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BODY_INVALID',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'MEDIA_TYPE_UNSUPPORTED',
  FST_ERR_VALIDATION: 'REQUEST_INVALID',
  FST_ERR_BAD_URL: 'URL_INVALID',
};

/** Builds the JSON body for a status, code and message. */
export function buildErrorBody(statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

function sendError(reply: FastifyReply, body: ErrorBody, headers: Readonly<Record<string, string>> = {}) {
  // Errors that carry credentials or describe them must not be stored by a shared cache.
  reply.headers({ ...headers, 'cache-control': 'no-store' });
  return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
}

function handleError(
  this: FastifyInstance,
  error: FastifyError | AppError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (error instanceof AppError) {
    if (error.statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
    }
    return sendError(reply, buildErrorBody(error.statusCode, error.code, error.message), error.headers);
  }

  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) {
    const definition = commonErrors[mapped];
    const message =
      mapped === 'REQUEST_INVALID' ? `${definition.message} ${error.message}.` : definition.message;
    return sendError(reply, buildErrorBody(definition.statusCode, mapped, message));
  }

  // Client errors fastify raised without a known code (for example a poisoned JSON body) keep their 4xx status.
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code = status === 400 ? 'BODY_INVALID' : 'REQUEST_INVALID';
    request.log.info({ err: error }, 'request rejected');
    return sendError(reply, buildErrorBody(status, code, commonErrors[code].message));
  }

  request.log.error({ err: error }, 'request failed');
  return sendError(reply, buildErrorBody(500, 'INTERNAL_ERROR', commonErrors.INTERNAL_ERROR.message));
}

function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  return sendError(
    reply,
    buildErrorBody(
      404,
      'ROUTE_NOT_FOUND',
      `${commonErrors.ROUTE_NOT_FOUND.message} (${request.method} ${request.url.split('?')[0]})`,
    ),
  );
}

/**
 * Handles the errors fastify's router raises before any plugin runs (a malformed URL, an invalid media type
 * in the router). Pass it to the fastify factory as `frameworkErrors`, which cannot be set from a plugin.
 */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  return handleError.call(request.server, error, request, reply);
}

/**
 * Gives every error the body `{ statusCode, code, error, message }`: raised `AppError`s keep their code and
 * headers, fastify's own 4xx errors keep their status, and anything else becomes a generic 500 with no stack.
 */
export const httpErrorsPlugin = fastifyPlugin(
  async function registerHttpErrors(app: FastifyInstance) {
    app.setErrorHandler(handleError);
    app.setNotFoundHandler(handleNotFound);
  },
  { name: 'authlab-http-errors', fastify: '5.x' },
);
