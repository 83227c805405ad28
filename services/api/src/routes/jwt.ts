import { AccessTokenDenylist } from '@authlab/revocation';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import {
  type AccessTokenCheck,
  buildAccessTokenVerifier,
  VERIFIED_TOKEN_CACHE_SIZE,
} from '../access-token.js';
import { findAccessToken } from '../access-token-transport.js';
import type { ApiConfig } from '../config.js';
import { challenges, createError } from '../errors.js';
import { buildJwksVerifier } from '../jwks-verifier.js';
import { buildRevocationCheck } from '../revocation-check.js';
import { strategyResponseSchema } from './schemas.js';

const REQUIRED_CLAIMS = ['sub', 'iat', 'exp', 'iss', 'aud', 'jti'];

/** Response header set when the denylist was not consulted because Redis was down. */
const REVOCATION_CHECK_HEADER = 'x-revocation-check';

/**
 * Registers the `jwt` strategy: `GET /jwt/me` verifies the access token on this replica alone, with the
 * shared HMAC secret (HS256) or a cached public key from the auth service's JWKS (EdDSA). It never asks
 * the auth service about a token. The token comes from the `access_token` cookie
 * or the `Authorization: Bearer` header (see findAccessToken). After the signature and claims, the
 * token's `jti` is looked up in the Redis denylist as API_REVOCATION_CHECK says.
 */
export async function jwtRoutes(app: FastifyInstance, options: { config: ApiConfig; redis: Redis }) {
  const { config } = options;
  const checkRevocation = buildRevocationCheck({
    mode: config.revocationCheck,
    denylist: new AccessTokenDenylist(options.redis),
    issuer: config.jwtIssuer,
    log: app.log,
  });

  let verifyToken: (token: string) => Promise<AccessTokenCheck>;
  if (config.jwtAlgorithm === 'EdDSA') {
    const jwksVerifier = buildJwksVerifier(config, app.log);
    // Loads the keys at start-up without waiting for them, so the replica can verify through a later auth
    // service outage even if no token arrived before it.
    app.addHook('onReady', async function prefetchJwks() {
      void jwksVerifier.cache.refresh();
    });
    verifyToken = jwksVerifier;
  } else {
    verifyToken = await buildSecretVerifier(app, config);
  }

  app.get(
    '/jwt/me',
    { schema: { response: { 200: strategyResponseSchema } } },
    async function readJwtIdentity(request: FastifyRequest, reply: FastifyReply) {
      const lookup = findAccessToken(request);

      if (lookup.kind === 'in-query') {
        request.log.info({ reason: 'access_token in the query string' }, 'token rejected');
        throw createError('AUTH_TOKEN_IN_QUERY', {
          headers: { 'www-authenticate': challenges.bearerInvalidRequest },
        });
      }
      if (lookup.kind === 'missing') {
        throw createError('AUTH_TOKEN_MISSING', { headers: { 'www-authenticate': challenges.bearer } });
      }
      if (lookup.kind === 'malformed') {
        request.log.info({ reason: lookup.reason }, 'authorization header rejected');
        throw createError('AUTH_HEADER_MALFORMED', {
          headers: { 'www-authenticate': challenges.bearerInvalidRequest },
        });
      }

      const check = await verifyToken(lookup.token);
      if (!check.ok) {
        request.log.info(
          { reason: check.reason, claims: check.claims, source: lookup.source },
          'token rejected',
        );
        throw createError('AUTH_TOKEN_INVALID', {
          headers: { 'www-authenticate': challenges.bearerInvalidToken },
        });
      }

      const { sub, jti } = check.claims;
      const revocation = await checkRevocation(jti);
      if (revocation === 'revoked') {
        request.log.info({ reason: 'TOKEN_REVOKED', claims: { sub, jti } }, 'token rejected');
        throw createError('AUTH_TOKEN_INVALID', {
          headers: { 'www-authenticate': challenges.bearerInvalidToken },
        });
      }
      if (revocation === 'unavailable') {
        request.log.warn({ claims: { sub, jti } }, 'revocation check unavailable');
        throw createError('REVOCATION_CHECK_UNAVAILABLE', {
          headers: { 'retry-after': String(config.retryAfterSeconds) },
        });
      }
      if (revocation === 'skipped') {
        reply.header(REVOCATION_CHECK_HEADER, 'skipped');
      }

      request.log.debug({ claims: { sub: check.claims.sub, jti: check.claims.jti } }, 'token accepted');
      return reply.send({ strategy: 'jwt', sub: check.claims.sub, servedBy: config.replicaId });
    },
  );
}

/** HS256: @fastify/jwt with the shared secret, allowing HS256 only. */
async function buildSecretVerifier(
  app: FastifyInstance,
  config: ApiConfig,
): Promise<(token: string) => Promise<AccessTokenCheck>> {
  await app.register(fastifyJwt, {
    secret: config.jwtSecret,
    verify: {
      algorithms: ['HS256'],
      allowedIss: config.jwtIssuer,
      allowedAud: config.jwtAudience,
      requiredClaims: REQUIRED_CLAIMS,
      // fast-jwt takes the tolerance in milliseconds.
      clockTolerance: config.jwtClockToleranceSeconds * 1000,
      // A token that passed is served from fast-jwt's LRU cache until its exp, skipping the HMAC and the
      // decode on later requests. The key is the token itself (fast-jwt's default hashes it with SHA-256,
      // which costs about as much as the check it saves), so only the same string hits. The checks of
      // buildAccessTokenVerifier and the denylist lookup still run on every request.
      cache: VERIFIED_TOKEN_CACHE_SIZE,
      cacheKeyBuilder: (token: string) => token,
    },
  });

  const verifyAccessToken = buildAccessTokenVerifier({
    verifySignatureAndClaims: (token) => app.jwt.verify(token),
    clockToleranceSeconds: config.jwtClockToleranceSeconds,
  });
  return async (token) => verifyAccessToken(token);
}
