import { randomUUID } from 'node:crypto';
import { ASYMMETRIC_ALGORITHM } from '@authlab/jwks';
import fastifyJwt from '@fastify/jwt';
import { createSigner, createVerifier } from 'fast-jwt';
import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { AuthConfig } from '../config.js';

/** The symmetric algorithm: the replicas share the HMAC key and allow nothing else. */
export const ACCESS_TOKEN_ALGORITHM = 'HS256';

/** A signed access token and the claims the log may name. */
export interface IssuedAccessToken {
  token: string;
  jti: string;
}

/** The claims logout needs from a token this service issued. */
export interface VerifiedAccessToken {
  sub?: unknown;
  jti?: unknown;
  exp?: unknown;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Signs an access token for `subject` with a fresh random `jti`. */
    issueAccessToken(subject: string): IssuedAccessToken;
    /** Verifies a token this service issued, with any published key; rejects when it is invalid. */
    verifyIssuedAccessToken(token: string): Promise<VerifiedAccessToken>;
  }
}

/**
 * Decorates `issueAccessToken` and `verifyIssuedAccessToken` for the configured algorithm. Every token
 * carries `sub`, `iat`, `exp`, `iss`, `aud` and `jti`. The HS256 header is `{ alg: 'HS256', typ: 'JWT' }`;
 * the EdDSA header adds the signing key's `kid`.
 *
 * The lifetime is always a number: @fastify/jwt 10.2.8 reads `expiresIn` as seconds and fast-jwt 6.3
 * as milliseconds, so no time-span string such as "15m" is ever parsed. A string the library cannot
 * parse could otherwise leave a token without `exp`.
 */
export const accessTokensPlugin = fastifyPlugin(
  async function registerAccessTokens(app: FastifyInstance, options: { config: AuthConfig }) {
    const { config } = options;

    if (config.jwtAlgorithm === 'EdDSA') {
      registerAsymmetricTokens(app, config);
      return;
    }

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
    app.decorate('verifyIssuedAccessToken', async function verifyIssuedAccessToken(token: string) {
      return app.jwt.verify<VerifiedAccessToken>(token);
    });
  },
  { name: 'auth-access-tokens', fastify: '5.x' },
);

/**
 * EdDSA: the active key signs, and every key of the set verifies its own tokens, chosen by `kid`. A
 * `kid` that names no key fails like a bad signature.
 */
function registerAsymmetricTokens(app: FastifyInstance, config: AuthConfig): void {
  const keySet = config.signingKeys;
  if (!keySet) {
    throw new TypeError('EdDSA mode needs config.signingKeys');
  }

  const sign = createSigner({
    key: keySet.active.privateKeyPem,
    algorithm: ASYMMETRIC_ALGORITHM,
    kid: keySet.active.kid,
    iss: config.jwtIssuer,
    aud: config.jwtAudience,
    expiresIn: config.accessTokenTtlSeconds * 1000,
  });
  const verifiers = new Map(
    keySet.keys.map((key) => [
      key.kid,
      createVerifier({
        key: key.publicKeyPem,
        algorithms: [ASYMMETRIC_ALGORITHM],
        allowedIss: config.jwtIssuer,
        allowedAud: config.jwtAudience,
      }),
    ]),
  );

  app.decorate('issueAccessToken', function issueAccessToken(subject: string): IssuedAccessToken {
    const jti = randomUUID();
    return { token: sign({ sub: subject, jti }), jti };
  });
  app.decorate('verifyIssuedAccessToken', async function verifyIssuedAccessToken(token: string) {
    const verify = verifiers.get(readKid(token) ?? '');
    if (!verify) {
      throw Object.assign(new Error('no published key has this kid'), { code: 'UNKNOWN_KID' });
    }
    return verify(token) as VerifiedAccessToken;
  });
}

/** Reads the `kid` of a compact token's header, or undefined when the header does not decode. */
function readKid(token: string): string | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
