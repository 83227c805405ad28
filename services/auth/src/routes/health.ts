import type { FastifyInstance } from 'fastify';

const healthResponseSchema = {
  200: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', const: 'ok' } },
  },
} as const;

async function reportHealthy() {
  return { status: 'ok' as const };
}

/**
 * Registers `GET /healthz` (the process runs) and `GET /readyz` (it can serve logins). The auth service has
 * no dependency yet, so both return ok whenever the process responds at all.
 */
export async function healthRoutes(app: FastifyInstance) {
  app.get('/healthz', { schema: { response: healthResponseSchema } }, reportHealthy);
  app.get('/readyz', { schema: { response: healthResponseSchema } }, reportHealthy);
}
