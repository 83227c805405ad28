import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from '../config.js';

/** Body of `GET /public/me`: the strategy responses' shape without `sub`, because no one signed in. */
const publicResponseSchema = {
  type: 'object',
  required: ['strategy', 'servedBy'],
  additionalProperties: false,
  properties: {
    strategy: { type: 'string' },
    servedBy: { type: 'string' },
  },
} as const;

/**
 * Registers `GET /public/me`, which needs no authentication. It is the bench's baseline: the same path
 * through nginx and the same response size as the strategy routes, so a strategy's cost is its ratio to it.
 */
export async function publicRoutes(app: FastifyInstance, options: { config: ApiConfig }) {
  const { replicaId } = options.config;

  app.get(
    '/public/me',
    { schema: { response: { 200: publicResponseSchema } } },
    async function readPublicIdentity() {
      return { strategy: 'none', servedBy: replicaId };
    },
  );
}
