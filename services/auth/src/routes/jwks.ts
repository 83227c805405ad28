import { buildPublicJwks } from '@authlab/jwks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig } from '../config.js';

/** How long a cache may keep the JWKS. Replicas refetch on an unknown `kid` anyway, after their cooldown. */
const JWKS_MAX_AGE_SECONDS = 300;

/**
 * Registers `GET /auth/.well-known/jwks.json`: the public halves of every key in AUTH_JWT_KEYS_DIR, with
 * `kid`, `alg: "EdDSA"` and `use: "sig"`, and no private member. In HS256 mode the set is empty, because
 * a symmetric key must never be published.
 */
export async function jwksRoutes(app: FastifyInstance, options: { config: AuthConfig }) {
  const document = Object.freeze(buildPublicJwks(options.config.signingKeys?.keys ?? []));

  app.get(
    '/auth/.well-known/jwks.json',
    async function serveJwks(_request: FastifyRequest, reply: FastifyReply) {
      return reply
        .header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
        .type('application/jwk-set+json')
        .send(JSON.stringify(document));
    },
  );
}
