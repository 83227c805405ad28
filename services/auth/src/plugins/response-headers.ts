import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';

/** Value of `X-Served-By` on every response, so a client behind the balancer can see which service responded. */
export const SERVED_BY = 'auth';

function addResponseHeaders(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  reply.header('x-served-by', SERVED_BY);
  reply.header('x-request-id', request.id);
  return Promise.resolve(payload);
}

/**
 * Adds `X-Served-By: auth` and the request id to every response that fastify sends, including error
 * responses and 404s. `onSend` runs after the error handler, so a header set here survives a failed request.
 */
export const responseHeadersPlugin = fastifyPlugin(
  async function registerResponseHeaders(app: FastifyInstance) {
    app.addHook('onSend', addResponseHeaders);
  },
  { name: 'auth-response-headers', fastify: '5.x' },
);
