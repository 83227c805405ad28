import type { ClusterHandle } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster } from '../support/cluster.js';
import { runCookieKeyMismatchDrill, signInWithCookieSession } from '../support/cookie-session.js';
import { sendRequest, TEST_USER } from '../support/http.js';

const BASIC_CHALLENGE = 'Basic realm="authlab", charset="UTF-8"';

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

describe('cookie-session and basic across replicas', () => {
  let cluster: ClusterHandle;

  beforeAll(async () => {
    cluster = await startTestCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('accepts one cookie-session cookie on every replica', async () => {
    const { cookie } = await signInWithCookieSession(cluster.urls.balancer);

    for (const replica of cluster.urls.replicas) {
      const response = await sendRequest(`${replica.url}/cookie-session/me`, { headers: { cookie } });

      expect(response.status, replica.id).toBe(200);
      expect(response.json()).toEqual({
        strategy: 'cookie-session',
        sub: TEST_USER.username,
        servedBy: replica.id,
      });
      expect(response.headers['set-cookie'], replica.id).toBeUndefined();
    }
  });

  it('serves a cookie-session from every replica through the balancer', async () => {
    const { cookie } = await signInWithCookieSession(cluster.urls.balancer);
    const servedBy = new Set<string>();

    for (let count = 0; count < 3 * cluster.replicaIds.length; count += 1) {
      const response = await sendRequest(`${cluster.urls.balancer}/cookie-session/me`, {
        headers: { cookie },
      });

      expect(response.status).toBe(200);
      servedBy.add(String(response.headers['x-served-by']));
    }

    expect([...servedBy].sort()).toEqual([...cluster.replicaIds].sort());
  });

  it('keeps a stored note across replicas', async () => {
    const { cookie } = await signInWithCookieSession(cluster.urls.replicas[0]!.url);
    const stored = await sendRequest(`${cluster.urls.replicas[0]!.url}/cookie-session/data`, {
      method: 'PUT',
      headers: { cookie },
      json: { note: 'written on the first replica' },
    });
    const updated = stored.headers['set-cookie']?.[0]?.split(';')[0] ?? '';

    const read = await sendRequest(`${cluster.urls.replicas[1]!.url}/cookie-session/data`, {
      headers: { cookie: updated },
    });

    expect(stored.status).toBe(200);
    expect(read.status).toBe(200);
    expect(read.json()).toMatchObject({
      note: 'written on the first replica',
      servedBy: cluster.replicaIds[1],
    });
  });

  it('rejects the cookie only on a replica with other keys', async (context) => {
    if (cluster.driver.restartReplicaWithSecrets === undefined) {
      context.skip(`the ${cluster.mode} cluster cannot give one replica keys of its own`);
    }

    const result = await runCookieKeyMismatchDrill(cluster, { requests: 10 * cluster.replicaIds.length });

    const mismatched = result.byReplica[result.mismatchedReplica];
    expect(mismatched?.rejected).toBeGreaterThan(0);
    expect(mismatched?.accepted).toBe(0);
    for (const id of cluster.replicaIds.filter((replica) => replica !== result.mismatchedReplica)) {
      expect(result.byReplica[id]?.rejected ?? 0, id).toBe(0);
      expect(result.byReplica[id]?.accepted, id).toBeGreaterThan(0);
    }
    const others = Object.values(result.byReplica).reduce((sum, tally) => sum + tally.other, 0);
    expect(others).toBe(0);
    // Round-robin sends each replica 1/N of the requests, so the mismatched replica rejects that share.
    const share = mismatched!.rejected / result.requests;
    expect(share).toBeGreaterThan(0.5 / cluster.replicaIds.length);
    expect(share).toBeLessThan(1.5 / cluster.replicaIds.length);
  });

  it('accepts basic credentials on every replica', async () => {
    const authorization = basicHeader(TEST_USER.username, TEST_USER.password);

    for (const replica of cluster.urls.replicas) {
      const response = await sendRequest(`${replica.url}/basic/me`, { headers: { authorization } });

      expect(response.status, replica.id).toBe(200);
      expect(response.json()).toEqual({ strategy: 'basic', sub: TEST_USER.username, servedBy: replica.id });
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('checks basic credentials on each replica behind the balancer', async () => {
    const authorization = basicHeader(TEST_USER.username, TEST_USER.password);
    const servedBy = new Set<string>();

    for (let count = 0; count < cluster.replicaIds.length; count += 1) {
      const response = await sendRequest(`${cluster.urls.balancer}/basic/me`, {
        headers: { authorization },
        timeoutMs: 20_000,
      });

      expect(response.status).toBe(200);
      servedBy.add(String(response.headers['x-served-by']));
    }

    expect([...servedBy].sort()).toEqual([...cluster.replicaIds].sort());
  });

  it('answers an oversized basic header with a JSON 4xx', async () => {
    const response = await sendRequest(`${cluster.urls.balancer}/basic/me`, {
      headers: { authorization: `Basic ${'QUJD'.repeat(5_000)}` },
    });

    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ code: 'REQUEST_HEADER_TOO_LARGE' });
  });

  it('challenges a wrong basic password through the balancer', async () => {
    const response = await sendRequest(`${cluster.urls.balancer}/basic/me`, {
      headers: { authorization: basicHeader(TEST_USER.username, 'not-the-password') },
      timeoutMs: 20_000,
    });

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
    expect(response.json()).toMatchObject({ code: 'BASIC_CREDENTIALS_INVALID' });
  });
});
