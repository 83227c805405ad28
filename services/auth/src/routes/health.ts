import { buildErrorBody } from '@authlab/http-errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig } from '../config.js';
import { authErrors } from '../errors.js';

async function reportHealthy() {
  return { status: 'ok' as const };
}

/**
 * Registers `GET /healthz` (the process runs, always 200) and `GET /readyz` (Redis replies to PING). Every
 * login stores a refresh token and updates the throttle counters in Redis, so without Redis the service
 * can serve nothing but the JWKS and health routes, and readiness says so.
 */
export async function healthRoutes(app: FastifyInstance, options: { config: AuthConfig }) {
  const { config } = options;

  app.get('/healthz', reportHealthy);

  app.get('/readyz', async function reportReadiness(request: FastifyRequest, reply: FastifyReply) {
    try {
      await app.redis.ping();
      return { status: 'ok', checks: { redis: 'ok' } };
    } catch (error) {
      // Debug only: probes repeat every few seconds, and the Redis client logs the outage itself once.
      request.log.debug({ err: error }, 'readiness check failed');
    }

    const { statusCode, message } = authErrors.AUTH_NOT_READY;
    return reply
      .code(statusCode)
      .header('retry-after', String(config.retryAfterSeconds))
      .header('cache-control', 'no-store')
      .send({
        ...buildErrorBody(statusCode, 'AUTH_NOT_READY', message),
        status: 'unavailable',
        checks: { redis: 'unavailable' },
      });
  });
}
