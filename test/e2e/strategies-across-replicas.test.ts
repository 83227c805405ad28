import type { ClusterHandle } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster } from '../support/cluster.js';
import { sendRequest, signInWithJwt, signInWithSession, TEST_USER } from '../support/http.js';

describe('strategies across replicas', () => {
  let cluster: ClusterHandle;

  beforeAll(async () => {
    cluster = await startTestCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('accepts one JWT on every replica directly', async () => {
    const token = await signInWithJwt(cluster.urls.balancer);

    for (const replica of cluster.urls.replicas) {
      const response = await sendRequest(`${replica.url}/jwt/me`, {
        headers: { authorization: `Bearer ${token}` },
      });

      expect(response.status).toBe(200);
      expect(response.headers['x-served-by']).toBe(replica.id);
      expect(response.json()).toEqual({ strategy: 'jwt', sub: TEST_USER.username, servedBy: replica.id });
    }
  });

  it('serves a JWT from every replica through the balancer', async () => {
    const token = await signInWithJwt(cluster.urls.balancer);
    const servedBy = new Set<string>();

    for (let count = 0; count < 3 * cluster.replicaIds.length; count += 1) {
      const response = await sendRequest(`${cluster.urls.balancer}/jwt/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      servedBy.add(String(response.headers['x-served-by']));
    }

    expect([...servedBy].sort()).toEqual([...cluster.replicaIds].sort());
  });

  it('rejects a memory session on the other replicas', async () => {
    const { cookie, createdBy } = await signInWithSession(cluster.urls.balancer, 'session-memory');

    for (const replica of cluster.urls.replicas) {
      const response = await sendRequest(`${replica.url}/session-memory/me`, { headers: { cookie } });

      if (replica.id === createdBy) {
        expect(response.status).toBe(200);
        expect(response.json()).toEqual({
          strategy: 'session-memory',
          sub: TEST_USER.username,
          servedBy: replica.id,
        });
      } else {
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toBeDefined();
        expect(response.json()).toMatchObject({
          statusCode: 401,
          code: 'SESSION_REQUIRED',
          error: 'Unauthorized',
        });
      }
    }
  });

  it('rejects (N-1)/N of memory-session requests under round-robin', async () => {
    const { cookie, createdBy } = await signInWithSession(cluster.urls.balancer, 'session-memory');
    const replicaCount = cluster.replicaIds.length;
    const requestCount = 20 * replicaCount;
    let rejected = 0;

    // One client sends the cookie it got at login every time, as curl -b does, so no response can take it away.
    for (let count = 0; count < requestCount; count += 1) {
      const response = await sendRequest(`${cluster.urls.balancer}/session-memory/me`, {
        headers: { cookie },
      });
      const servedBy = response.headers['x-served-by'];

      expect(response.status).toBe(servedBy === createdBy ? 200 : 401);
      rejected += response.status === 401 ? 1 : 0;
    }

    // Round-robin gives each replica every Nth request, so exactly (N-1)/N are rejected when nothing else
    // uses the balancer. The window of 2 requests each way excludes a shared store (0) and a broken one (all).
    const expectedRejected = (requestCount * (replicaCount - 1)) / replicaCount;
    expect(rejected).toBeGreaterThanOrEqual(expectedRejected - 2);
    expect(rejected).toBeLessThanOrEqual(expectedRejected + 2);
  });

  it('accepts a Redis session on every replica', async () => {
    const { cookie } = await signInWithSession(cluster.urls.balancer, 'session-redis');

    for (const replica of cluster.urls.replicas) {
      const response = await sendRequest(`${replica.url}/session-redis/me`, { headers: { cookie } });

      expect(response.status).toBe(200);
      expect(response.json()).toEqual({
        strategy: 'session-redis',
        sub: TEST_USER.username,
        servedBy: replica.id,
      });
    }
  });

  it('serves a Redis session from every replica through the balancer', async () => {
    const { cookie } = await signInWithSession(cluster.urls.balancer, 'session-redis');
    const servedBy = new Set<string>();

    for (let count = 0; count < 3 * cluster.replicaIds.length; count += 1) {
      const response = await sendRequest(`${cluster.urls.balancer}/session-redis/me`, {
        headers: { cookie },
      });
      expect(response.status).toBe(200);
      servedBy.add(String(response.headers['x-served-by']));
    }

    expect([...servedBy].sort()).toEqual([...cluster.replicaIds].sort());
  });
});
