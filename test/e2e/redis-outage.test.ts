import type { ClusterHandle } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestCluster } from '../support/cluster.js';
import { sendRequest, signInWithJwt, signInWithSession, TEST_USER } from '../support/http.js';

describe('Redis outage drill', () => {
  let cluster: ClusterHandle;
  let token: string;
  let cookieBeforeOutage: string;

  beforeAll(async () => {
    cluster = await startTestCluster();
    token = await signInWithJwt(cluster.urls.balancer);
    ({ cookie: cookieBeforeOutage } = await signInWithSession(cluster.urls.balancer, 'session-redis'));
    await cluster.driver.stopRedis();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers session-redis with a fast 503 while Redis is down', async () => {
    // Each replica is reached once, so every replica shows that it fails fast.
    for (let count = 0; count < cluster.replicaIds.length; count += 1) {
      const response = await sendRequest(`${cluster.urls.balancer}/session-redis/me`, {
        headers: { cookie: cookieBeforeOutage },
      });

      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
      expect(response.json()).toMatchObject({ statusCode: 503, code: 'SESSION_STORE_UNAVAILABLE' });
      expect(response.elapsedMs).toBeLessThan(1_000);
    }
  });

  it('answers a session-redis login with 503 while Redis is down', async () => {
    const response = await sendRequest(`${cluster.urls.balancer}/session-redis/login`, { json: TEST_USER });

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.json()).toMatchObject({ statusCode: 503, code: 'SESSION_STORE_UNAVAILABLE' });
  });

  it('keeps JWTs working while Redis is down', async () => {
    for (let count = 0; count < cluster.replicaIds.length; count += 1) {
      const response = await sendRequest(`${cluster.urls.balancer}/jwt/me`, {
        headers: { authorization: `Bearer ${token}` },
      });

      expect(response.status).toBe(200);
      expect(response.elapsedMs).toBeLessThan(1_000);
    }
  });

  it('signs in again once Redis is back, without restarting replicas', async () => {
    await cluster.driver.startRedis();
    // Each replica's Redis client reconnects on its own schedule; wait until all of them report ready.
    for (const replica of cluster.urls.replicas) {
      await vi.waitFor(
        async () => {
          expect((await sendRequest(`${replica.url}/readyz`)).status).toBe(200);
        },
        { timeout: 15_000, interval: 200 },
      );
    }

    const { cookie } = await signInWithSession(cluster.urls.balancer, 'session-redis');

    for (const replica of cluster.urls.replicas) {
      const response = await sendRequest(`${replica.url}/session-redis/me`, { headers: { cookie } });
      expect(response.status).toBe(200);
    }
  });

  it('loses sessions stored before the outage', async () => {
    // Redis keeps nothing on disk in the lab, so the restarted server is empty.
    const response = await sendRequest(`${cluster.urls.balancer}/session-redis/me`, {
      headers: { cookie: cookieBeforeOutage },
    });

    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ statusCode: 401, code: 'SESSION_REQUIRED' });
  });
});
