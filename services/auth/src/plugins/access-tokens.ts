import { randomUUID } from 'node:crypto';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { AuthConfig } from '../config.js';

/** The only signing algorithm: the replicas share the HMAC key and allow nothing else. */
export const ACCESS_TOKEN_ALGORITHM = 'HS256';

/** A signed access token and the claims the log may name. */
export interface IssuedAccessToken {
  token: string;
  jti: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Signs an access token for `subject` with a fresh random `jti`. */
    issueAccessToken(subject: string): IssuedAccessToken;
  }
}

/**
 * Registers @fastify/jwt with the shared secret and decorates `issueAccessToken`. Every token carries
 * `sub`, `iat`, `exp`, `iss`, `aud` and `jti`, with header `{ alg: 'HS256', typ: 'JWT' }`.
 */
export const accessTokensPlugin = fastifyPlugin(
  async function registerAccessTokens(app: FastifyInstance, options: { config: AuthConfig }) {
    const { config } = options;

    // The lifetime is passed as a number, which @fastify/jwt 10.2.8 reads as seconds, so no time-span string
    // such as "15m" is ever parsed. A string it cannot parse could otherwise leave a token without `exp`.
    await app.register(fastifyJwt, {
      secret: config.jwtSecret,
      sign: {
        algorithm: ACCESS_TOKEN_ALGORITHM,
        iss: config.jwtIssuer,
        aud: config.jwtAudience,
        expiresIn: config.accessTokenTtlSeconds,
      },
      verify: {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        allowedIss: config.jwtIssuer,
        allowedAud: config.jwtAudience,
      },
    });

    app.decorate('issueAccessToken', function issueAccessToken(subject: string): IssuedAccessToken {
      const jti = randomUUID();
      const token = app.jwt.sign({ sub: subject, jti });
      return { token, jti };
    });
  },
  { name: 'auth-access-tokens', fastify: '5.x' },
);
