import type { SessionStore } from '@fastify/session';
import type { Session } from 'fastify';
import type { Redis } from 'ioredis';
import { SessionStoreUnavailableError } from './errors.js';

type StoreCallback = (error?: unknown) => void;
type StoreGetCallback = (error: unknown, session?: Session | null) => void;

export interface RedisSessionStoreOptions {
  /** Prefix of every key, so sessions share a Redis database with other data. */
  prefix?: string;
  /** Lifetime of a session whose cookie has no expiry (a browser-session cookie), in milliseconds. */
  sessionCookieTtlMs?: number;
}

const DEFAULTS = Object.freeze({
  prefix: 'authlab:sess:',
  sessionCookieTtlMs: 24 * 60 * 60 * 1000,
});

/**
 * A @fastify/session store on ioredis. Values are JSON, and each key expires when the session's cookie
 * does, so Redis drops a session at the moment the browser would. Every Redis failure reaches the
 * callback as a `SessionStoreUnavailableError`; how fast it arrives depends on the client, so build the
 * client with `createRedisClient`.
 */
export class RedisSessionStore implements SessionStore {
  readonly prefix: string;
  readonly #client: Redis;
  readonly #sessionCookieTtlMs: number;

  constructor(client: Redis, options: RedisSessionStoreOptions = {}) {
    const prefix = options.prefix ?? DEFAULTS.prefix;
    const sessionCookieTtlMs = options.sessionCookieTtlMs ?? DEFAULTS.sessionCookieTtlMs;

    if (typeof prefix !== 'string') {
      throw new TypeError('prefix must be a string');
    }
    if (!Number.isSafeInteger(sessionCookieTtlMs) || sessionCookieTtlMs <= 0) {
      throw new TypeError(`sessionCookieTtlMs must be a positive whole number, got ${sessionCookieTtlMs}`);
    }

    this.#client = client;
    this.prefix = prefix;
    this.#sessionCookieTtlMs = sessionCookieTtlMs;
  }

  /** Returns the Redis key of a session id. */
  keyOf(sessionId: string): string {
    return `${this.prefix}${sessionId}`;
  }

  get(sessionId: string, callback: StoreGetCallback): void {
    this.#client.get(this.keyOf(sessionId)).then(
      (value) => callback(null, parseSession(value)),
      (error: unknown) => callback(new SessionStoreUnavailableError('get', error)),
    );
  }

  set(sessionId: string, session: Session, callback: StoreCallback): void {
    const ttlMs = this.#ttlMsOf(session);

    // A session whose cookie has already expired is deleted, not stored: no client can present it again.
    const command =
      ttlMs <= 0
        ? this.#client.del(this.keyOf(sessionId))
        : this.#client.set(this.keyOf(sessionId), JSON.stringify(session), 'PX', ttlMs);

    command.then(
      () => callback(),
      (error: unknown) => callback(new SessionStoreUnavailableError('set', error)),
    );
  }

  destroy(sessionId: string, callback: StoreCallback): void {
    this.#client.del(this.keyOf(sessionId)).then(
      () => callback(),
      (error: unknown) => callback(new SessionStoreUnavailableError('destroy', error)),
    );
  }

  #ttlMsOf(session: Session): number {
    const expires = session.cookie?.expires;
    if (expires === undefined || expires === null) {
      return this.#sessionCookieTtlMs;
    }

    const expiresAtMs = new Date(expires).getTime();
    if (Number.isNaN(expiresAtMs)) {
      return this.#sessionCookieTtlMs;
    }
    return expiresAtMs - Date.now();
  }
}

/**
 * Parses a stored value and revives the cookie's dates. A value that is not a JSON object (written by
 * something else under the prefix) reads as no session, so the client signs in again instead of failing.
 */
function parseSession(value: string | null): Session | null {
  if (value === null) {
    return null;
  }

  let session: unknown;
  try {
    session = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof session !== 'object' || session === null || Array.isArray(session)) {
    return null;
  }

  const stored = session as Session;
  const cookie = stored.cookie as Record<string, unknown> | null | undefined;
  if (cookie && typeof cookie === 'object') {
    for (const field of ['expires', 'originalExpires']) {
      if (typeof cookie[field] === 'string') {
        cookie[field] = new Date(cookie[field] as string);
      }
    }
  }
  return stored;
}
