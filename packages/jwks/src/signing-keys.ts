import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The only asymmetric algorithm of the lab: EdDSA over Ed25519 (RFC 8037). */
export const ASYMMETRIC_ALGORITHM = 'EdDSA';

/** A key id: 1 to 64 letters, digits, dots, underscores or hyphens, so it is safe in logs and file names. */
export const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** One Ed25519 key pair of the auth service, named by its `kid`. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The private key as PKCS#8 PEM, the form the JWT signer takes. */
  readonly privateKeyPem: string;
  /** The public key as SPKI PEM, the form the JWT verifier takes. */
  readonly publicKeyPem: string;
}

/** The keys the auth service publishes, and the one among them that signs new tokens. */
export interface SigningKeySet {
  readonly keys: readonly SigningKey[];
  readonly active: SigningKey;
}

/** A public JWK of an Ed25519 key as RFC 8037 section 2 defines it, with the lab's `alg` and `use`. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/** Raised for a key directory that cannot be used; the message names the file and the fix. */
export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/**
 * Loads every `<kid>.pem` file of `directory` as an Ed25519 private key (PKCS#8 PEM, as
 * `openssl genpkey -algorithm ed25519` writes it) and picks `activeKid` to sign. Keys are never
 * generated here, so a restart keeps the same `kid` set and tokens issued before it stay valid.
 */
export function loadSigningKeys(directory: string, activeKid: string): SigningKeySet {
  let files: string[];
  try {
    files = readdirSync(directory).filter((name) => name.endsWith('.pem'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'read failed';
    throw new SigningKeyError(`cannot read the key directory "${directory}" (${reason})`);
  }

  const keys = files
    .sort()
    .map((file) => loadSigningKey(join(directory, file), file.slice(0, -'.pem'.length)));
  const active = keys.find((key) => key.kid === activeKid);
  if (!active) {
    const found = keys.map((key) => key.kid).join(', ') || 'none';
    throw new SigningKeyError(
      `no key file "${activeKid}.pem" in "${directory}" (found: ${found}); create it with: openssl genpkey -algorithm ed25519 -out ${join(directory, `${activeKid}.pem`)}`,
    );
  }
  return { keys, active };
}

function loadSigningKey(path: string, kid: string): SigningKey {
  if (!KID_PATTERN.test(kid)) {
    throw new SigningKeyError(
      `key file "${path}" has an invalid name: the part before .pem is the kid, 1 to 64 letters, digits or ._-`,
    );
  }

  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (error) {
    throw new SigningKeyError(
      `key file "${path}" is not a readable PEM private key: ${(error as Error).message}`,
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(
      `key file "${path}" holds a ${privateKey.asymmetricKeyType} key, expected ed25519 (openssl genpkey -algorithm ed25519)`,
    );
  }

  const publicKey = createPublicKey(privateKey);
  return {
    kid,
    privateKey,
    publicKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Builds the JWKS document of a key set: public members only, never `d`. */
export function buildPublicJwks(keys: readonly SigningKey[]): { keys: PublicJwk[] } {
  return {
    keys: keys.map((key) => {
      const { x } = key.publicKey.export({ format: 'jwk' });
      return {
        kty: 'OKP',
        crv: 'Ed25519',
        x: String(x),
        kid: key.kid,
        alg: ASYMMETRIC_ALGORITHM,
        use: 'sig',
      };
    }),
  };
}
