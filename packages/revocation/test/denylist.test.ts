import type { RedisServer } from '@authlab/cluster';
import { createRedisClient, waitForRedisReady } from '@authlab/session-store';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { AccessTokenDenylist, DenylistUnavailableError } from '../src/index.js';

const ISSUER = 'authlab-auth';

describe('AccessTokenDenylist', () => {
  let redis: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedisClient(redis.url);
    await waitForRedisReady(client, 5_000);
  });

  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('reports a revoked jti', async () => {
    const denylist = new AccessTokenDenylist(client);
    const expiresAtSeconds = Math.floor(Date.now() / 1000) + 60;

    await denylist.revoke({ issuer: ISSUER, jti: 'jti-revoked', expiresAtSeconds });

    expect(await denylist.isRevoked(ISSUER, 'jti-revoked')).toBe(true);
    expect(await denylist.isRevoked(ISSUER, 'jti-unrelated')).toBe(false);
  });

  it('keeps an entry no longer than the token lives', async () => {
    const denylist = new AccessTokenDenylist(client);
    const expiresAtSeconds = Math.floor(Date.now() / 1000) + 30;

    const ttlMs = await denylist.revoke({ issuer: ISSUER, jti: 'jti-ttl', expiresAtSeconds });
    const storedTtlMs = await client.pttl(denylist.keyOf(ISSUER, 'jti-ttl'));

    expect(ttlMs).toBeLessThanOrEqual(30_000);
    expect(storedTtlMs).toBeGreaterThan(0);
    expect(storedTtlMs).toBeLessThanOrEqual(30_000);
  });

  it('writes nothing for an expired token', async () => {
    const denylist = new AccessTokenDenylist(client);
    const expiresAtSeconds = Math.floor(Date.now() / 1000) - 1;

    expect(await denylist.revoke({ issuer: ISSUER, jti: 'jti-expired', expiresAtSeconds })).toBe(0);
    expect(await client.exists(denylist.keyOf(ISSUER, 'jti-expired'))).toBe(0);
  });

  it('separates issuers', async () => {
    const denylist = new AccessTokenDenylist(client);
    const expiresAtSeconds = Math.floor(Date.now() / 1000) + 60;

    await denylist.revoke({ issuer: ISSUER, jti: 'jti-shared', expiresAtSeconds });

    expect(await denylist.isRevoked('other-issuer', 'jti-shared')).toBe(false);
  });

  it('rejects a jti with unexpected characters', async () => {
    const denylist = new AccessTokenDenylist(client);

    await expect(denylist.isRevoked(ISSUER, 'a b')).rejects.toThrow(TypeError);
    await expect(denylist.isRevoked(ISSUER, 'x'.repeat(129))).rejects.toThrow(TypeError);
  });

  it('raises DenylistUnavailableError when Redis is down', async () => {
    const downClient = createRedisClient('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
    const denylist = new AccessTokenDenylist(downClient);

    try {
      await expect(denylist.isRevoked(ISSUER, 'jti-any')).rejects.toBeInstanceOf(DenylistUnavailableError);
      await expect(
        denylist.revoke({ issuer: ISSUER, jti: 'jti-any', expiresAtSeconds: Date.now() / 1000 + 60 }),
      ).rejects.toBeInstanceOf(DenylistUnavailableError);
    } finally {
      downClient.disconnect();
    }
  });
});
