export {
  JwksCache,
  type JwksCacheLogger,
  type JwksCacheOptions,
  type VerificationKey,
} from './jwks-cache.js';
export {
  ASYMMETRIC_ALGORITHM,
  buildPublicJwks,
  KID_PATTERN,
  loadSigningKeys,
  type PublicJwk,
  type SigningKey,
  SigningKeyError,
  type SigningKeySet,
} from './signing-keys.js';
