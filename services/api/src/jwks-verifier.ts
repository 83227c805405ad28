import { ASYMMETRIC_ALGORITHM, JwksCache, KID_PATTERN } from '@authlab/jwks';
import { createVerifier } from 'fast-jwt';
import type { FastifyBaseLogger } from 'fastify';
import {
  type AccessTokenCheck,
  buildAccessTokenVerifier,
  VERIFIED_TOKEN_CACHE_SIZE,
} from './access-token.js';
import type { ApiConfig } from './config.js';

/**
 * Builds the EdDSA access token check: the token's `kid` picks a public key from the auth service's
 * JWKS (cached, see JwksCache), and that key verifies with the EdDSA algorithm only.
 *
 * The allow-list belongs to the key, not to the token: an `alg` of HS256 in the header fails even when
 * the token is MAC'd with the public key's PEM text, with or without leading whitespace. The `kid` is only
 * a lookup key. A `kid` that is missing, not a short string of safe characters, or not in the JWKS
 * fails like a bad signature, and no `jku`, `jwk` or `x5u` header is ever read.
 */
export function buildJwksVerifier(config: ApiConfig, log: FastifyBaseLogger) {
  const cache = new JwksCache({
    url: config.jwksUrl,
    maxAgeMs: config.jwksMaxAgeSeconds * 1000,
    cooldownMs: config.jwksCooldownSeconds * 1000,
    fetchTimeoutMs: config.jwksFetchTimeoutMs,
    logger: log,
  });
  // One verifier per key, rebuilt when a refetched JWKS carries another key under the same kid.
  const verifiers = new Map<string, { publicKeyPem: string; verify: (token: string) => AccessTokenCheck }>();

  async function verifyWithJwks(token: string): Promise<AccessTokenCheck> {
    const kid = readKid(token);
    if (kid === undefined) {
      return { ok: false, reason: 'KID_INVALID', claims: {} };
    }

    const key = await cache.getKey(kid);
    if (!key) {
      return { ok: false, reason: 'KID_UNKNOWN', claims: {} };
    }

    let entry = verifiers.get(kid);
    if (!entry || entry.publicKeyPem !== key.publicKeyPem) {
      const verifyKey = createVerifier({
        key: key.publicKeyPem,
        algorithms: [ASYMMETRIC_ALGORITHM],
        allowedIss: config.jwtIssuer,
        allowedAud: config.jwtAudience,
        requiredClaims: ['sub', 'iat', 'exp', 'iss', 'aud', 'jti'],
        clockTolerance: config.jwtClockToleranceSeconds * 1000,
        // A token that passed is served from fast-jwt's LRU cache until its exp, skipping the Ed25519
        // check (about 130 µs, measured on the two-core development machine) on later requests. The
        // cache belongs to this key's verifier, which runs only while the JWKS still lists the key, so
        // withdrawing a key still ends its cached tokens. The cache key is the token string itself, as in
        // the HS256 verifier.
        cache: VERIFIED_TOKEN_CACHE_SIZE,
        cacheKeyBuilder: (token: string) => token,
      });
      entry = {
        publicKeyPem: key.publicKeyPem,
        verify: buildAccessTokenVerifier({
          verifySignatureAndClaims: verifyKey,
          clockToleranceSeconds: config.jwtClockToleranceSeconds,
        }),
      };
      verifiers.set(kid, entry);
    }
    return entry.verify(token);
  }

  return Object.assign(verifyWithJwks, { cache });
}

/** Reads a usable `kid` from a compact token's header, or undefined. */
function readKid(token: string): string | undefined {
  const [header = ''] = token.split('.');
  try {
    const decoded: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    const kid = (decoded as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' && KID_PATTERN.test(kid) ? kid : undefined;
  } catch {
    return undefined;
  }
}
