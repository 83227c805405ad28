import type { Session } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySessionStore, type MemorySessionStoreOptions } from '../src/index.js';

type SessionData = Session & Record<string, unknown>;

const START_MS = Date.parse('2026-12-04T12:00:00.000Z');

/** Builds a store on a clock that the test moves, so no test waits for real time to pass. */
function buildStore(options: MemorySessionStoreOptions = {}) {
  const clock = { nowMs: START_MS };
  const store = new MemorySessionStore({ now: () => clock.nowMs, ...options });
  stores.push(store);
  return { store, clock };
}

const stores: MemorySessionStore[] = [];

function getSession(store: MemorySessionStore, sessionId: string): SessionData | null | undefined {
  let result: SessionData | null | undefined;
  store.get(sessionId, (error, session) => {
    expect(error).toBeNull();
    result = session as SessionData | null;
  });
  return result;
}

function setSession(store: MemorySessionStore, sessionId: string, session: Session): void {
  store.set(sessionId, session, (error) => expect(error).toBeUndefined());
}

function sessionExpiringAt(expiresAtMs: number | null, data: Record<string, unknown> = {}): SessionData {
  return {
    cookie: {
      originalMaxAge: expiresAtMs === null ? null : expiresAtMs - START_MS,
      expires: expiresAtMs === null ? null : new Date(expiresAtMs),
      httpOnly: true,
      path: '/',
    },
    ...data,
  } as SessionData;
}

afterEach(() => {
  for (const store of stores.splice(0)) {
    store.close();
  }
});

describe('MemorySessionStore', () => {
  it('returns a stored session until its cookie expires', () => {
    const { store, clock } = buildStore();
    const session = sessionExpiringAt(START_MS + 60_000, { sub: 'alice' });
    setSession(store, 'id-1', session);

    clock.nowMs = START_MS + 59_999;
    expect(getSession(store, 'id-1')).toBe(session);

    clock.nowMs = START_MS + 60_000;
    expect(getSession(store, 'id-1')).toBeNull();
    expect(store.size).toBe(0);
  });

  it('returns null for an unknown id', () => {
    const { store } = buildStore();

    expect(getSession(store, 'never-stored')).toBeNull();
  });

  it('removes expired sessions on a sweep', () => {
    const { store, clock } = buildStore();
    setSession(store, 'short', sessionExpiringAt(START_MS + 1_000));
    setSession(store, 'long', sessionExpiringAt(START_MS + 120_000));

    clock.nowMs = START_MS + 5_000;

    expect(store.sweep()).toBe(1);
    expect(store.size).toBe(1);
    expect(getSession(store, 'long')).not.toBeNull();
  });

  it('does not store a session that has already expired', () => {
    const { store } = buildStore();
    setSession(store, 'id-1', sessionExpiringAt(START_MS + 60_000));

    setSession(store, 'id-1', sessionExpiringAt(START_MS - 1));

    expect(store.size).toBe(0);
  });

  it('gives a cookie without expiry the default lifetime', () => {
    const { store, clock } = buildStore({ sessionCookieTtlMs: 10_000 });
    setSession(store, 'id-1', sessionExpiringAt(null));

    clock.nowMs = START_MS + 9_999;
    expect(getSession(store, 'id-1')).not.toBeNull();
    clock.nowMs = START_MS + 10_000;
    expect(getSession(store, 'id-1')).toBeNull();
  });

  it('drops the least recently saved session at the limit', () => {
    const { store } = buildStore({ maxSessions: 2 });
    setSession(store, 'first', sessionExpiringAt(START_MS + 60_000));
    setSession(store, 'second', sessionExpiringAt(START_MS + 60_000));
    setSession(store, 'first', sessionExpiringAt(START_MS + 60_000));

    setSession(store, 'third', sessionExpiringAt(START_MS + 60_000));

    expect(store.size).toBe(2);
    expect(getSession(store, 'second')).toBeNull();
    expect(getSession(store, 'first')).not.toBeNull();
    expect(getSession(store, 'third')).not.toBeNull();
  });

  it('forgets a destroyed session', () => {
    const { store } = buildStore();
    setSession(store, 'id-1', sessionExpiringAt(START_MS + 60_000));

    store.destroy('id-1', (error) => expect(error).toBeUndefined());

    expect(getSession(store, 'id-1')).toBeNull();
  });

  it('rejects limits that are not positive whole numbers', () => {
    for (const options of [{ maxSessions: 0 }, { sweepIntervalMs: -1 }, { sessionCookieTtlMs: 1.5 }]) {
      expect(() => new MemorySessionStore(options), JSON.stringify(options)).toThrow(
        /must be a positive whole number/,
      );
    }
  });
});
