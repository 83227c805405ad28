import type { SessionStore } from '@fastify/session';
import type { Session } from 'fastify';

type StoreCallback = (error?: unknown) => void;
type StoreGetCallback = (error: unknown, session?: Session | null) => void;

export interface MemorySessionStoreOptions {
  /** Lifetime of a session whose cookie has no expiry (a browser-session cookie), in milliseconds. */
  sessionCookieTtlMs?: number;
  /** Interval between sweeps that remove expired sessions, in milliseconds. */
  sweepIntervalMs?: number;
  /** Maximum number of sessions kept; storing one more removes the one stored longest ago. */
  maxSessions?: number;
  /** Clock in milliseconds since the epoch; tests replace it. */
  now?: () => number;
}

const DEFAULTS = Object.freeze({
  sessionCookieTtlMs: 24 * 60 * 60 * 1000,
  sweepIntervalMs: 60_000,
  maxSessions: 100_000,
});

interface Entry {
  readonly session: Session;
  readonly expiresAtMs: number;
}

/**
 * A per-process @fastify/session store that forgets a session when its cookie expires, unlike the
 * plugin's own MemoryStore, which keeps every session until the process exits. `get` never returns an
 * expired session, a timer sweeps the expired ones out, and `maxSessions` bounds the memory a client with
 * valid credentials can fill by logging in again and again. Sessions are kept as objects, not copies,
 * so `get` returns the object that `set` stored, as @fastify/session 11.1.3's own MemoryStore does.
 */
export class MemorySessionStore implements SessionStore {
  readonly #entries = new Map<string, Entry>();
  readonly #sessionCookieTtlMs: number;
  readonly #maxSessions: number;
  readonly #now: () => number;
  readonly #sweepTimer: NodeJS.Timeout;

  constructor(options: MemorySessionStoreOptions = {}) {
    const sessionCookieTtlMs = options.sessionCookieTtlMs ?? DEFAULTS.sessionCookieTtlMs;
    const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULTS.sweepIntervalMs;
    const maxSessions = options.maxSessions ?? DEFAULTS.maxSessions;
    for (const [name, value] of Object.entries({ sessionCookieTtlMs, sweepIntervalMs, maxSessions })) {
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new TypeError(`${name} must be a positive whole number, got ${value}`);
      }
    }

    this.#sessionCookieTtlMs = sessionCookieTtlMs;
    this.#maxSessions = maxSessions;
    this.#now = options.now ?? Date.now;
    this.#sweepTimer = setInterval(() => this.sweep(), sweepIntervalMs);
    // The sweep alone never keeps the process running.
    this.#sweepTimer.unref();
  }

  /** Number of sessions held, expired ones not yet swept included. */
  get size(): number {
    return this.#entries.size;
  }

  get(sessionId: string, callback: StoreGetCallback): void {
    const entry = this.#entries.get(sessionId);
    if (entry !== undefined && entry.expiresAtMs <= this.#now()) {
      this.#entries.delete(sessionId);
      callback(null, null);
      return;
    }
    callback(null, entry?.session ?? null);
  }

  set(sessionId: string, session: Session, callback: StoreCallback): void {
    const expiresAtMs = this.#expiresAtMsOf(session);
    // Deleting first moves a saved-again session to the end of the Map's insertion order, so the
    // session removed at the limit is the one saved longest ago.
    this.#entries.delete(sessionId);
    // A session whose cookie has already expired is not stored: no client can present it again.
    if (expiresAtMs > this.#now()) {
      this.#entries.set(sessionId, { session, expiresAtMs });
      if (this.#entries.size > this.#maxSessions) {
        const oldest = this.#entries.keys().next().value as string;
        this.#entries.delete(oldest);
      }
    }
    callback();
  }

  destroy(sessionId: string, callback: StoreCallback): void {
    this.#entries.delete(sessionId);
    callback();
  }

  /** Removes every expired session and returns how many it removed. */
  sweep(): number {
    const now = this.#now();
    let removed = 0;
    for (const [sessionId, entry] of this.#entries) {
      if (entry.expiresAtMs <= now) {
        this.#entries.delete(sessionId);
        removed += 1;
      }
    }
    return removed;
  }

  /** Stops the sweep timer; the sessions stay readable. */
  close(): void {
    clearInterval(this.#sweepTimer);
  }

  #expiresAtMsOf(session: Session): number {
    const expires = session.cookie?.expires;
    const expiresAtMs = expires === undefined || expires === null ? Number.NaN : new Date(expires).getTime();
    return Number.isNaN(expiresAtMs) ? this.#now() + this.#sessionCookieTtlMs : expiresAtMs;
  }
}
