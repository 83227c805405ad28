import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Raised when a refresh token operation fails because Redis failed or timed out. Routes answer 503. */
export class TokenStoreUnavailableError extends Error {
  readonly code = 'AUTH_STORE_UNAVAILABLE';

  constructor(operation: string, cause: unknown) {
    super(`refresh token ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'TokenStoreUnavailableError';
  }
}

export interface RefreshTokenStoreOptions {
  /** Lifetime of one refresh token, in seconds. */
  tokenTtlSeconds: number;
  /** Absolute lifetime of a family from the login that started it, in seconds. */
  familyLifetimeSeconds: number;
  /** Time after a rotation during which the spent token gets `conflict` instead of revoking, in seconds. */
  reuseGraceSeconds: number;
  /** Prefix of every key, so the store shares a Redis database with other data. */
  prefix?: string;
}

/** A refresh token as handed to the client, with the family it belongs to and its lifetime. */
export interface IssuedRefreshToken {
  readonly token: string;
  readonly family: string;
  readonly expiresInSeconds: number;
}

/**
 * The outcome of a refresh: a new token, or why none was issued.
 * - `invalid`: unknown, expired, or its family was revoked or reached its absolute lifetime.
 * - `conflict`: already spent within the grace window, most likely by a concurrent request; the family lives.
 * - `reused`: already spent before the grace window; the whole family is now revoked.
 */
export type RotationResult =
  | { outcome: 'rotated'; sub: string; refreshToken: IssuedRefreshToken }
  | { outcome: 'invalid' }
  | { outcome: 'conflict'; sub: string; family: string }
  | { outcome: 'reused'; sub: string; family: string };

const DEFAULT_PREFIX = 'authlab:refresh:';

/** 32 random bytes in base64url: 43 characters. */
const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Spends one refresh token and stores its successor, atomically, so two auth instances that refresh the
 * same token at the same moment cannot both succeed: Redis runs a script without interleaving.
 *
 * KEYS[1]: the presented token's key. KEYS[2]: the successor's key.
 * ARGV: now in ms, grace in ms, token TTL in ms, family key prefix.
 * Returns { 'rotated', sub, family, successor TTL in ms }, { 'conflict' | 'reused', sub, family } or
 * { 'invalid' }.
 */
const ROTATE_SCRIPT = `
local record = redis.call('HMGET', KEYS[1], 'family', 'sub', 'spentAt')
local family, sub, spentAt = record[1], record[2], record[3]
if not family then
  return { 'invalid' }
end
local familyKey = ARGV[4] .. family
local familyTtl = redis.call('PTTL', familyKey)
if familyTtl <= 0 then
  return { 'invalid' }
end
if spentAt then
  if tonumber(ARGV[1]) - tonumber(spentAt) <= tonumber(ARGV[2]) then
    return { 'conflict', sub, family }
  end
  redis.call('DEL', familyKey)
  return { 'reused', sub, family }
end
redis.call('HSET', KEYS[1], 'spentAt', ARGV[1])
redis.call('PEXPIRE', KEYS[1], familyTtl)
local ttl = math.min(tonumber(ARGV[3]), familyTtl)
redis.call('HSET', KEYS[2], 'family', family, 'sub', sub)
redis.call('PEXPIRE', KEYS[2], ttl)
return { 'rotated', sub, family, ttl }
`;

/**
 * Deletes the family of a token, which invalidates every token of it at once, spent or not.
 * KEYS[1]: the token's key. ARGV[1]: family key prefix. Returns { sub, family } or {}.
 */
const REVOKE_FAMILY_SCRIPT = `
local record = redis.call('HMGET', KEYS[1], 'family', 'sub')
if not record[1] then
  return {}
end
redis.call('DEL', ARGV[1] .. record[1])
return { record[2], record[1] }
`;

/**
 * Opaque refresh tokens in Redis, grouped in families: one family per login, one live token per family.
 *
 * Redis stores only the SHA-256 of a token, so a copy of the database cannot be replayed. Each token
 * key is a hash { family, sub, spentAt }, and each family key exists exactly while the family is alive:
 * its TTL is the family's absolute lifetime, and deleting it revokes every token of the family. A spent
 * token stays stored as long as its family, so its reuse is recognised and revokes the family.
 */
export class RefreshTokenStore {
  readonly #client: Redis;
  readonly #tokenTtlMs: number;
  readonly #familyLifetimeMs: number;
  readonly #reuseGraceMs: number;
  readonly #prefix: string;

  constructor(client: Redis, options: RefreshTokenStoreOptions) {
    this.#client = client;
    this.#tokenTtlMs = options.tokenTtlSeconds * 1000;
    this.#familyLifetimeMs = options.familyLifetimeSeconds * 1000;
    this.#reuseGraceMs = options.reuseGraceSeconds * 1000;
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
  }

  /** Returns the Redis key of a token: its SHA-256, never the token itself. */
  keyOf(token: string): string {
    return `${this.#prefix}token:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
  }

  /** Returns the Redis key of a family. */
  familyKeyOf(family: string): string {
    return `${this.#familyPrefix()}${family}`;
  }

  /** Starts a new family for `sub` with its first token. */
  async issue(sub: string): Promise<IssuedRefreshToken> {
    const family = randomUUID();
    const token = generateToken();
    const ttlMs = Math.min(this.#tokenTtlMs, this.#familyLifetimeMs);

    try {
      await this.#client
        .multi()
        .set(this.familyKeyOf(family), sub, 'PX', this.#familyLifetimeMs)
        .hset(this.keyOf(token), 'family', family, 'sub', sub)
        .pexpire(this.keyOf(token), ttlMs)
        .exec();
    } catch (error) {
      throw new TokenStoreUnavailableError('issue', error);
    }
    return { token, family, expiresInSeconds: Math.floor(ttlMs / 1000) };
  }

  /** Spends `token` and issues its successor in the same family, or reports why it cannot. */
  async rotate(token: string, nowMs: number = Date.now()): Promise<RotationResult> {
    if (!REFRESH_TOKEN_PATTERN.test(token)) {
      return { outcome: 'invalid' };
    }

    const successor = generateToken();
    let result: unknown;
    try {
      result = await this.#client.eval(
        ROTATE_SCRIPT,
        2,
        this.keyOf(token),
        this.keyOf(successor),
        nowMs,
        this.#reuseGraceMs,
        this.#tokenTtlMs,
        this.#familyPrefix(),
      );
    } catch (error) {
      throw new TokenStoreUnavailableError('rotation', error);
    }

    const [outcome, sub = '', family = '', ttlMs = 0] = result as [string, string?, string?, number?];
    if (outcome === 'rotated') {
      return {
        outcome,
        sub,
        refreshToken: { token: successor, family, expiresInSeconds: Math.floor(ttlMs / 1000) },
      };
    }
    if (outcome === 'conflict' || outcome === 'reused') {
      return { outcome, sub, family };
    }
    return { outcome: 'invalid' };
  }

  /** Revokes the family of `token`. Resolves to its `sub` and family, or undefined for an unknown token. */
  async revokeFamily(token: string): Promise<{ sub: string; family: string } | undefined> {
    if (!REFRESH_TOKEN_PATTERN.test(token)) {
      return undefined;
    }

    let result: unknown;
    try {
      result = await this.#client.eval(REVOKE_FAMILY_SCRIPT, 1, this.keyOf(token), this.#familyPrefix());
    } catch (error) {
      throw new TokenStoreUnavailableError('revocation', error);
    }

    const [sub, family] = result as [string?, string?];
    return sub !== undefined && family !== undefined ? { sub, family } : undefined;
  }

  #familyPrefix(): string {
    return `${this.#prefix}family:`;
  }
}

function generateToken(): string {
  return randomBytes(32).toString('base64url');
}
