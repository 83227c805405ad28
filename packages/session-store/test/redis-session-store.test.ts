import { findFreePort, type RedisServer, startRedisServer, waitUntil } from '@authlab/cluster';
import type { Session } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import {
  createRedisClient,
  RedisSessionStore,
  SessionStoreUnavailableError,
  waitForRedisReady,
} from '../src/index.js';

type SessionData = Session & Record<string, unknown>;

function getSession(store: RedisSessionStore, sessionId: string): Promise<SessionData | null | undefined> {
  return new Promise((resolve, reject) => {
    store.get(sessionId, (error, session) => (error ? reject(error) : resolve(session as SessionData)));
  });
}

function setSession(store: RedisSessionStore, sessionId: string, session: Session): Promise<void> {
  return new Promise((resolve, reject) => {
    store.set(sessionId, session, (error) => (error ? reject(error) : resolve()));
  });
}

function destroySession(store: RedisSessionStore, sessionId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    store.destroy(sessionId, (error) => (error ? reject(error) : resolve()));
  });
}

function sessionExpiringIn(ms: number, data: Record<string, unknown> = {}): SessionData {
  return {
    cookie: { originalMaxAge: ms, expires: new Date(Date.now() + ms), httpOnly: true, path: '/' },
    ...data,
  };
}

describe('RedisSessionStore', () => {
  let redis: RedisServer;
  let client: Redis;
  let store: RedisSessionStore;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedisClient(redis.url);
    expect(await waitForRedisReady(client, 5_000)).toBe(true);
    store = new RedisSessionStore(client);
  });

  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('returns a stored session with its cookie expiry as a Date', async () => {
    const expires = new Date(Date.now() + 60_000);
    const session: SessionData = {
      cookie: { originalMaxAge: 60_000, expires },
      sub: 'alice',
      createdAt: 1_700_000_000_000,
    };

    await setSession(store, 'round-trip', session);
    const loaded = await getSession(store, 'round-trip');

    expect(loaded?.sub).toBe('alice');
    expect(loaded?.createdAt).toBe(1_700_000_000_000);
    expect(loaded?.cookie?.expires).toBeInstanceOf(Date);
    expect(loaded?.cookie?.expires).toEqual(expires);
  });

  it('returns null for an unknown session id', async () => {
    expect(await getSession(store, 'never-stored')).toBeNull();
  });

  it('deletes the key on destroy', async () => {
    await setSession(store, 'to-destroy', sessionExpiringIn(60_000, { sub: 'bob' }));

    await destroySession(store, 'to-destroy');

    expect(await client.exists(store.keyOf('to-destroy'))).toBe(0);
    expect(await getSession(store, 'to-destroy')).toBeNull();
  });

  it('stores keys under the default prefix', async () => {
    await setSession(store, 'prefixed', sessionExpiringIn(60_000));

    expect(await client.exists('authlab:sess:prefixed')).toBe(1);
  });

  it('stores keys under a configured prefix', async () => {
    const custom = new RedisSessionStore(client, { prefix: 'other:' });

    await setSession(custom, 'prefixed', sessionExpiringIn(60_000));

    expect(await client.exists('other:prefixed')).toBe(1);
  });

  it('sets the key TTL to the time until the cookie expires', async () => {
    await setSession(store, 'ttl', sessionExpiringIn(1_800_000));

    const ttlMs = await client.pttl(store.keyOf('ttl'));

    expect(ttlMs).toBeGreaterThan(1_790_000);
    expect(ttlMs).toBeLessThanOrEqual(1_800_000);
  });

  it('stores nothing for a cookie that has already expired', async () => {
    await setSession(store, 'expired', sessionExpiringIn(-1_000));

    expect(await client.exists(store.keyOf('expired'))).toBe(0);
  });

  it('deletes the previous value when a session is saved with an expired cookie', async () => {
    await setSession(store, 'expiring', sessionExpiringIn(60_000));

    await setSession(store, 'expiring', sessionExpiringIn(-1_000));

    expect(await client.exists(store.keyOf('expiring'))).toBe(0);
  });

  it('uses the fallback TTL for a cookie without expiry', async () => {
    const fallback = new RedisSessionStore(client, { sessionCookieTtlMs: 5_000 });

    await setSession(fallback, 'no-expiry', { cookie: { originalMaxAge: null, expires: null } });

    const ttlMs = await client.pttl(fallback.keyOf('no-expiry'));
    expect(ttlMs).toBeGreaterThan(4_000);
    expect(ttlMs).toBeLessThanOrEqual(5_000);
  });

  it('reads a value that is not a JSON object as no session', async () => {
    await client.set(store.keyOf('corrupt'), '{not json', 'PX', 60_000);
    await client.set(store.keyOf('array'), '[1,2]', 'PX', 60_000);

    expect(await getSession(store, 'corrupt')).toBeNull();
    expect(await getSession(store, 'array')).toBeNull();
  });

  it('rejects a non-positive fallback TTL', () => {
    expect(() => new RedisSessionStore(client, { sessionCookieTtlMs: 0 })).toThrow(
      'sessionCookieTtlMs must be a positive whole number, got 0',
    );
  });
});

// These tests stop, freeze and restart Redis, so they run a redis-server process of their own rather than
// the shared test helper, which may hand out a container.
async function startOwnRedis(): Promise<RedisServer> {
  const host = '127.0.0.1';
  return startRedisServer({ host, port: await findFreePort(host) });
}

describe('RedisSessionStore during a Redis outage', () => {
  let redis: RedisServer | undefined;
  let client: Redis | undefined;

  afterEach(async () => {
    client?.disconnect();
    client = undefined;
    if (redis) {
      redis.process.kill('SIGCONT');
      await redis.stop();
      redis = undefined;
    }
  });

  it('reports every operation as unavailable within 1 s', async () => {
    redis = await startOwnRedis();
    client = createRedisClient(redis.url, { commandTimeoutMs: 500 });
    expect(await waitForRedisReady(client, 5_000)).toBe(true);
    const store = new RedisSessionStore(client);
    await setSession(store, 'before-outage', sessionExpiringIn(60_000));

    await redis.stop();

    const operations: [string, () => Promise<unknown>][] = [
      ['get', () => getSession(store, 'before-outage')],
      ['set', () => setSession(store, 'during-outage', sessionExpiringIn(60_000))],
      ['destroy', () => destroySession(store, 'before-outage')],
    ];
    for (const [operation, run] of operations) {
      const startedAt = performance.now();
      const error = await run().then(
        () => undefined,
        (reason: unknown) => reason,
      );
      const elapsedMs = performance.now() - startedAt;

      expect(error, operation).toBeInstanceOf(SessionStoreUnavailableError);
      expect((error as SessionStoreUnavailableError).code).toBe('SESSION_STORE_UNAVAILABLE');
      expect((error as SessionStoreUnavailableError).statusCode).toBe(503);
      expect((error as SessionStoreUnavailableError).message).toMatch(
        new RegExp(`^session store ${operation} failed`),
      );
      expect(elapsedMs, operation).toBeLessThan(1_000);
    }
  });

  it('times out a command when Redis stops replying', async () => {
    redis = await startOwnRedis();
    client = createRedisClient(redis.url, { commandTimeoutMs: 300 });
    expect(await waitForRedisReady(client, 5_000)).toBe(true);
    const store = new RedisSessionStore(client);

    // SIGSTOP keeps the socket open but freezes the server, the way a hung Redis behaves.
    redis.process.kill('SIGSTOP');
    const startedAt = performance.now();
    const error = await getSession(store, 'frozen').then(
      () => undefined,
      (reason: unknown) => reason,
    );
    const elapsedMs = performance.now() - startedAt;
    redis.process.kill('SIGCONT');

    expect(error).toBeInstanceOf(SessionStoreUnavailableError);
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('works again after Redis restarts, with the same client', async () => {
    redis = await startOwnRedis();
    const { host, port } = redis;
    client = createRedisClient(redis.url, { commandTimeoutMs: 500, maxReconnectDelayMs: 200 });
    expect(await waitForRedisReady(client, 5_000)).toBe(true);
    const store = new RedisSessionStore(client);

    await redis.stop();
    await expect(getSession(store, 'any')).rejects.toBeInstanceOf(SessionStoreUnavailableError);

    redis = await startRedisServer({ host, port });
    const restartedClient = client;
    await waitUntil(async () => restartedClient.status === 'ready', {
      timeoutMs: 5_000,
      description: 'the client to reconnect',
    });

    await setSession(store, 'after-restart', sessionExpiringIn(60_000, { sub: 'carol' }));
    expect((await getSession(store, 'after-restart'))?.sub).toBe('carol');
  });
});
