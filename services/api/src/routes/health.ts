import { buildErrorBody } from '@authlab/http-errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { ApiConfig } from '../config.js';
import { apiErrors } from '../errors.js';

/**
 * Adds `GET /healthz` (the process is alive, always 200) and `GET /readyz` (Redis replies to PING within
 * the command timeout). The replica stays alive while Redis is down: JWT and session-memory routes keep
 * working, so a Redis outage shows up in readiness only.
 */
export async function healthRoutes(app: FastifyInstance, options: { config: ApiConfig; redis: Redis }) {
  const { config, redis } = options;

  app.get('/healthz', async function reportLiveness() {
    return { status: 'ok', replica: config.replicaId };
  });

  app.get('/readyz', async function reportReadiness(request: FastifyRequest, reply: FastifyReply) {
    let redisCheck: 'ok' | 'unavailable' = 'ok';
    try {
      await redis.ping();
    } catch (error) {
      // Debug only: probes repeat every few seconds, and the Redis client logs the outage itself once.
      request.log.debug({ err: error }, 'readiness check failed');
      redisCheck = 'unavailable';
    }

    if (redisCheck === 'ok') {
      return { status: 'ok', replica: config.replicaId, checks: { redis: 'ok' } };
    }

    const { statusCode, message } = apiErrors.REPLICA_NOT_READY;
    return reply
      .code(statusCode)
      .header('retry-after', String(config.retryAfterSeconds))
      .send({
        ...buildErrorBody(statusCode, 'REPLICA_NOT_READY', message),
        status: 'unavailable',
        replica: config.replicaId,
        checks: { redis: 'unavailable' },
      });
  });
}
