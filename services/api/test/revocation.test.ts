import type { RedisServer } from '@authlab/cluster';
import { AccessTokenDenylist } from '@authlab/revocation';
import { createRedisClient, waitForRedisReady } from '@authlab/session-store';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { buildApp } from '../src/app.js';
import { apiErrors } from '../src/errors.js';
import type { RevocationCheckMode } from '../src/revocation-check.js';
import { buildTestConfig, captureLogs, mintToken, TEST_ISSUER, validClaims } from './helpers.js';

function getMe(app: FastifyInstance, token: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: '/jwt/me', headers: { authorization: `Bearer ${token}` } });
}

function expectRejected(response: LightMyRequestResponse) {
  expect(response.statusCode).toBe(401);
  expect(response.headers['www-authenticate']).toBe('Bearer realm="authlab", error="invalid_token"');
  expect(response.json()).toEqual({
    statusCode: 401,
    code: 'AUTH_TOKEN_INVALID',
    error: 'Unauthorized',
    message: apiErrors.AUTH_TOKEN_INVALID.message,
  });
}

describe('revocation check', () => {
  let redis: RedisServer;
  let client: Redis;
  let downClient: Redis;
  const apps: FastifyInstance[] = [];

  async function startReplica(
    mode: RevocationCheckMode,
    redisClient: Redis,
    logger?: { stream: { write(line: string): void } },
  ) {
    const env = {
      API_REVOCATION_CHECK: mode,
      API_RETRY_AFTER_SECONDS: '7',
      LOG_LEVEL: logger ? 'info' : 'silent',
    };
    const app = buildApp(buildTestConfig(env), {
      logger: logger ?? false,
      redis: redisClient,
    });
    apps.push(app);
    await app.ready();
    return app;
  }

  /** Mints a valid token and puts its jti on the denylist, as the auth service does at logout. */
  async function mintRevokedToken(): Promise<string> {
    const claims = validClaims();
    await new AccessTokenDenylist(client).revoke({
      issuer: TEST_ISSUER,
      jti: String(claims.jti),
      expiresAtSeconds: Number(claims.exp),
    });
    return mintToken({ payload: claims });
  }

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedisClient(redis.url);
    await waitForRedisReady(client, 5_000);
    downClient = createRedisClient('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    client.disconnect();
    downClient.disconnect();
    await redis.stop();
  });

  describe.each(['fail-open', 'fail-closed'] as const)('%s', (mode) => {
    it('rejects a revoked token', async () => {
      const app = await startReplica(mode, client);

      expectRejected(await getMe(app, await mintRevokedToken()));
    });

    it('accepts an unrelated token', async () => {
      const app = await startReplica(mode, client);
      await mintRevokedToken();

      const response = await getMe(app, mintToken());

      expect(response.statusCode).toBe(200);
      expect(response.headers['x-revocation-check']).toBeUndefined();
    });

    it('rejects a forged token while Redis is down', async () => {
      const app = await startReplica(mode, downClient);

      expectRejected(await getMe(app, mintToken({ secret: 'forged-secret-0123456789-abcdefghijklmnopq' })));
    });
  });

  describe('off', () => {
    it('accepts a revoked token until exp', async () => {
      const app = await startReplica('off', client);

      const response = await getMe(app, await mintRevokedToken());

      expect(response.statusCode).toBe(200);
    });

    it('ignores a Redis outage', async () => {
      const app = await startReplica('off', downClient);

      const response = await getMe(app, mintToken());

      expect(response.statusCode).toBe(200);
      expect(response.headers['x-revocation-check']).toBeUndefined();
    });
  });

  describe('Redis down', () => {
    it('fail-open accepts and marks the response', async () => {
      const logs = captureLogs();
      const app = await startReplica('fail-open', downClient, { stream: logs.stream });

      const first = await getMe(app, mintToken());
      const second = await getMe(app, mintToken());

      expect(first.statusCode).toBe(200);
      expect(first.headers['x-revocation-check']).toBe('skipped');
      expect(second.statusCode).toBe(200);
      const warnings = logs.lines.filter((line) => line.includes('"revocation check skipped"'));
      expect(warnings).toHaveLength(1);
    });

    it('fail-closed answers 503 with Retry-After', async () => {
      const app = await startReplica('fail-closed', downClient);

      const startedAt = Date.now();
      const response = await getMe(app, mintToken());

      expect(Date.now() - startedAt).toBeLessThan(1_000);
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('7');
      expect(response.json()).toEqual({
        statusCode: 503,
        code: 'REVOCATION_CHECK_UNAVAILABLE',
        error: 'Service Unavailable',
        message: apiErrors.REVOCATION_CHECK_UNAVAILABLE.message,
      });
    });
  });

  it('rejects a jti the denylist cannot key', async () => {
    const app = await startReplica('fail-open', client);

    const response = await getMe(app, mintToken({ payload: validClaims({ jti: 'has space' }) }));

    expectRejected(response);
  });
});
