import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt cost for new hashes: N = 2^17, r = 8, p = 1, the minimum the OWASP Password Storage Cheat Sheet
 * recommends for scrypt. It needs 128 MiB per hash, so `maxmem` is raised above Node's 32 MiB default.
 */
export const SCRYPT_PARAMETERS = Object.freeze({ logN: 17, r: 8, p: 1 });

const KEY_LENGTH_BYTES = 32;
const SALT_LENGTH_BYTES = 16;
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;

/**
 * Longest password, in bytes, that is hashed at all. Longer input is rejected before the KDF runs, so a
 * megabyte-long password cannot buy a megabyte of hashing work.
 */
export const MAX_PASSWORD_BYTES = 1024;

/** A stored hash in PHC string format: `$scrypt$ln=17,r=8,p=1$<salt>$<key>`, base64 without padding. */
const HASH_PATTERN = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function deriveKey(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function toBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

/** Hashes a password with a fresh random salt and returns the PHC string to store. */
export async function hashPassword(
  password: string,
  parameters: { logN: number; r: number; p: number } = SCRYPT_PARAMETERS,
): Promise<string> {
  const salt = randomBytes(SALT_LENGTH_BYTES);
  const key = await deriveKey(
    password,
    salt,
    { N: 2 ** parameters.logN, r: parameters.r, p: parameters.p, maxmem: MAX_MEMORY_BYTES },
    KEY_LENGTH_BYTES,
  );
  return `$scrypt$ln=${parameters.logN},r=${parameters.r},p=${parameters.p}$${toBase64(salt)}$${toBase64(key)}`;
}

/**
 * Checks a password against a stored PHC string in constant time. Returns false for a wrong password and
 * throws a `TypeError` for a stored value that is not a scrypt PHC string, which is a deployment bug.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = HASH_PATTERN.exec(stored);
  if (!match) {
    throw new TypeError('stored password hash is not a scrypt PHC string');
  }

  const [, logN, r, p, salt, key] = match as unknown as [string, string, string, string, string, string];
  const expected = Buffer.from(key, 'base64');
  const actual = await deriveKey(
    password,
    Buffer.from(salt, 'base64'),
    { N: 2 ** Number(logN), r: Number(r), p: Number(p), maxmem: MAX_MEMORY_BYTES },
    expected.length,
  );

  return timingSafeEqual(actual, expected);
}
