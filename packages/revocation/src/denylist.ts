import type { Redis } from 'ioredis';

/**
 * Raised when the denylist cannot be read or written because Redis failed or timed out. A service maps
 * it to its revocation policy: 503 with `Retry-After`, or a logged pass-through.
 */
export class DenylistUnavailableError extends Error {
  readonly code = 'DENYLIST_UNAVAILABLE';

  constructor(operation: 'read' | 'write', cause: unknown) {
    super(
      `access token denylist ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'DenylistUnavailableError';
  }
}

export interface AccessTokenDenylistOptions {
  /** Prefix of every key, so the denylist shares a Redis database with other data. */
  prefix?: string;
  /** Clock in milliseconds since the epoch, which tests replace to freeze time. */
  now?: () => number;
}

const DEFAULTS = Object.freeze({ prefix: 'authlab:revoked-jti:' });

/** A `jti` of an access token issued by the auth service: a UUID, or any short id without spaces. */
const JTI_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The shared list of revoked access tokens, keyed by the token's issuer and `jti` claim. Keying by id
 * rather than by a hash of the token text means a re-encoded copy of a revoked token is revoked too.
 * Each entry expires when the token does, so the list never contains more than the live revoked tokens.
 */
export class AccessTokenDenylist {
  readonly prefix: string;
  readonly #client: Redis;
  readonly #now: () => number;

  constructor(client: Redis, options: AccessTokenDenylistOptions = {}) {
    this.prefix = options.prefix ?? DEFAULTS.prefix;
    this.#client = client;
    this.#now = options.now ?? Date.now;
  }

  /** Returns the Redis key of one token id. */
  keyOf(issuer: string, jti: string): string {
    return `${this.prefix}${issuer}:${jti}`;
  }

  /**
   * Adds a token to the list until its `exp` (seconds since the epoch). A token that has already expired
   * is not written, because no replica accepts it anyway. Returns the entry's TTL in milliseconds, 0 when
   * nothing was written.
   */
  async revoke(token: { issuer: string; jti: string; expiresAtSeconds: number }): Promise<number> {
    checkJti(token.jti);
    const ttlMs = token.expiresAtSeconds * 1000 - this.#now();
    if (ttlMs <= 0) {
      return 0;
    }

    try {
      await this.#client.set(this.keyOf(token.issuer, token.jti), '1', 'PX', ttlMs);
    } catch (error) {
      throw new DenylistUnavailableError('write', error);
    }
    return ttlMs;
  }

  /** Resolves true when the token id is on the list. Throws `DenylistUnavailableError` when Redis fails. */
  async isRevoked(issuer: string, jti: string): Promise<boolean> {
    checkJti(jti);
    try {
      return (await this.#client.exists(this.keyOf(issuer, jti))) === 1;
    } catch (error) {
      throw new DenylistUnavailableError('read', error);
    }
  }
}

function checkJti(jti: string): void {
  if (!JTI_PATTERN.test(jti)) {
    throw new TypeError('jti must be 1 to 128 letters, digits or ._:- characters');
  }
}
