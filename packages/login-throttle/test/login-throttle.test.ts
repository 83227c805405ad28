import type { RedisServer } from '@authlab/cluster';
import { createRedisClient, waitForRedisReady } from '@authlab/session-store';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { LoginThrottle, LoginThrottleUnavailableError } from '../src/index.js';

describe('LoginThrottle', () => {
  let redis: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedisClient(redis.url);
    await waitForRedisReady(client, 5_000);
  });

  beforeEach(async () => {
    await client.flushdb();
  });

  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  function buildThrottle(overrides: Partial<ConstructorParameters<typeof LoginThrottle>[1]> = {}) {
    return new LoginThrottle(client, {
      maxFailuresPerAccount: 3,
      maxFailuresPerClient: 10,
      windowSeconds: 60,
      ...overrides,
    });
  }

  it('blocks an account after its limit', async () => {
    const throttle = buildThrottle();

    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await throttle.begin('alice', '127.0.0.2')).allowed).toBe(true);
    }
    const blocked = await throttle.begin('alice', '127.0.0.2');

    expect(blocked).toEqual({ allowed: false, scope: 'account', retryAfterSeconds: 60 });
  });

  it('counts accounts case-insensitively', async () => {
    const throttle = buildThrottle();

    await throttle.begin('Alice', '127.0.0.2');
    await throttle.begin('ALICE', '127.0.0.3');
    await throttle.begin('alice', '127.0.0.4');

    expect((await throttle.begin('alice', '127.0.0.5')).allowed).toBe(false);
  });

  it('blocks a client across accounts', async () => {
    const throttle = buildThrottle({ maxFailuresPerClient: 4 });

    for (let index = 0; index < 4; index += 1) {
      expect((await throttle.begin(`user-${index}`, '127.0.0.2')).allowed).toBe(true);
    }
    const blocked = await throttle.begin('user-new', '127.0.0.2');
    const otherClient = await throttle.begin('user-new', '127.0.0.3');

    expect(blocked).toMatchObject({ allowed: false, scope: 'client' });
    expect(otherClient.allowed).toBe(true);
  });

  it('forgives failures after a success', async () => {
    const throttle = buildThrottle();

    await throttle.begin('alice', '127.0.0.2');
    await throttle.begin('alice', '127.0.0.2');
    const decision = await throttle.begin('alice', '127.0.0.2');
    if (!decision.allowed) {
      throw new Error('expected the third attempt to pass');
    }
    await throttle.succeed(decision.attempt);

    expect((await throttle.begin('alice', '127.0.0.2')).allowed).toBe(true);
    expect(await client.get(decision.attempt.clientKey)).toBe('3');
  });

  it('admits exactly the limit under concurrency', async () => {
    const throttle = buildThrottle({ maxFailuresPerAccount: 5 });

    const decisions = await Promise.all(
      Array.from({ length: 20 }, (_, index) => throttle.begin('alice', `127.0.0.${index + 2}`)),
    );

    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
  });

  it('shares counters between instances', async () => {
    const secondClient = createRedisClient(redis.url);
    await waitForRedisReady(secondClient, 5_000);
    const first = buildThrottle();
    const second = new LoginThrottle(secondClient, {
      maxFailuresPerAccount: 3,
      maxFailuresPerClient: 10,
      windowSeconds: 60,
    });

    try {
      await first.begin('alice', '127.0.0.2');
      await second.begin('alice', '127.0.0.2');
      await first.begin('alice', '127.0.0.2');

      expect((await second.begin('alice', '127.0.0.2')).allowed).toBe(false);
    } finally {
      secondClient.disconnect();
    }
  });

  it('allows attempts again after the window', async () => {
    const throttle = buildThrottle({ maxFailuresPerAccount: 1, windowSeconds: 1 });

    await throttle.begin('alice', '127.0.0.2');
    expect((await throttle.begin('alice', '127.0.0.2')).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    expect((await throttle.begin('alice', '127.0.0.2')).allowed).toBe(true);
  });

  it('rejects a non-positive limit', () => {
    expect(() => buildThrottle({ maxFailuresPerAccount: 0 })).toThrow(TypeError);
    expect(() => buildThrottle({ windowSeconds: 1.5 })).toThrow(TypeError);
  });

  it('raises LoginThrottleUnavailableError when Redis is down', async () => {
    const downClient = createRedisClient('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
    const throttle = new LoginThrottle(downClient, {
      maxFailuresPerAccount: 3,
      maxFailuresPerClient: 10,
      windowSeconds: 60,
    });

    try {
      await expect(throttle.begin('alice', '127.0.0.2')).rejects.toBeInstanceOf(
        LoginThrottleUnavailableError,
      );
    } finally {
      downClient.disconnect();
    }
  });
});
