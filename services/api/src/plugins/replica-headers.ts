import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';

/**
 * Adds `X-Served-By`, `X-Request-Id` and `Cache-Control: no-store` to every response, errors and 404s
 * included. The hook runs at send time, so a response built by an error handler gets them too.
 * Every replica response is either per-user or a health state, so none of them may be cached.
 */
export const replicaHeadersPlugin = fastifyPlugin(
  async function registerReplicaHeaders(app: FastifyInstance, options: { replicaId: string }) {
    app.addHook('onSend', async function addReplicaHeaders(request: FastifyRequest, reply: FastifyReply) {
      reply.header('x-served-by', options.replicaId);
      reply.header('x-request-id', request.id);
      reply.header('cache-control', 'no-store');
    });
  },
  { name: 'authlab-replica-headers', fastify: '5.x' },
);
