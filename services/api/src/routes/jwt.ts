import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buildAccessTokenVerifier } from '../access-token.js';
import { parseBearerToken } from '../bearer-token.js';
import type { ApiConfig } from '../config.js';
import { challenges, createError } from '../errors.js';
import { strategyResponseSchema } from './schemas.js';

const REQUIRED_CLAIMS = ['sub', 'iat', 'exp', 'iss', 'aud', 'jti'];

/**
 * Registers the `jwt` strategy: `GET /jwt/me` verifies the bearer token on this replica alone, with the
 * shared HMAC secret, and never calls the auth service.
 */
export async function jwtRoutes(app: FastifyInstance, options: { config: ApiConfig }) {
  const { config } = options;

  await app.register(fastifyJwt, {
    secret: config.jwtSecret,
    verify: {
      algorithms: ['HS256'],
      allowedIss: config.jwtIssuer,
      allowedAud: config.jwtAudience,
      requiredClaims: REQUIRED_CLAIMS,
      // fast-jwt takes the tolerance in milliseconds.
      clockTolerance: config.jwtClockToleranceSeconds * 1000,
    },
  });

  const verifyAccessToken = buildAccessTokenVerifier({
    verifySignatureAndClaims: (token) => app.jwt.verify(token),
    clockToleranceSeconds: config.jwtClockToleranceSeconds,
  });

  app.get(
    '/jwt/me',
    { schema: { response: { 200: strategyResponseSchema } } },
    async function readJwtIdentity(request: FastifyRequest, reply: FastifyReply) {
      const header = parseBearerToken(request.headers.authorization);

      if (header.kind === 'missing') {
        throw createError('AUTH_TOKEN_MISSING', { headers: { 'www-authenticate': challenges.bearer } });
      }
      if (header.kind === 'malformed') {
        request.log.info({ reason: header.reason }, 'authorization header rejected');
        throw createError('AUTH_HEADER_MALFORMED', {
          headers: { 'www-authenticate': challenges.bearerInvalidRequest },
        });
      }

      const check = verifyAccessToken(header.token);
      if (!check.ok) {
        request.log.info({ reason: check.reason, claims: check.claims }, 'token rejected');
        throw createError('AUTH_TOKEN_INVALID', {
          headers: { 'www-authenticate': challenges.bearerInvalidToken },
        });
      }

      request.log.debug({ claims: { sub: check.claims.sub, jti: check.claims.jti } }, 'token accepted');
      return reply.send({ strategy: 'jwt', sub: check.claims.sub, servedBy: config.replicaId });
    },
  );
}
