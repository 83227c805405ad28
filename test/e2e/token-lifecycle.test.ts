import type { ClusterHandle } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureRevocationWindows } from '../../packages/cli/src/revocation-window.js';
import { startTestCluster } from '../support/cluster.js';
import { sendRequest, TEST_USER } from '../support/http.js';

interface TokenPair {
  access_token: string;
  refresh_token: string;
}

describe('token lifecycle across the cluster', () => {
  let cluster: ClusterHandle;

  beforeAll(async () => {
    cluster = await startTestCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  async function logIn(): Promise<TokenPair> {
    const response = await sendRequest(`${cluster.urls.balancer}/auth/login`, { json: TEST_USER });
    expect(response.status).toBe(200);
    return response.json<TokenPair>();
  }

  async function statusOnEveryReplica(token: string): Promise<Record<string, number>> {
    const statuses: Record<string, number> = {};
    for (const replica of cluster.urls.replicas) {
      const response = await sendRequest(`${replica.url}/jwt/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      statuses[replica.id] = response.status;
    }
    return statuses;
  }

  it('logout revokes the token on every replica', async () => {
    const tokens = await logIn();
    const other = await logIn();
    const everyReplica = (status: number) => Object.fromEntries(cluster.replicaIds.map((id) => [id, status]));
    expect(await statusOnEveryReplica(tokens.access_token)).toEqual(everyReplica(200));

    const logout = await sendRequest(`${cluster.urls.balancer}/auth/logout`, {
      method: 'POST',
      json: { refresh_token: tokens.refresh_token },
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const refresh = await sendRequest(`${cluster.urls.balancer}/auth/refresh`, {
      method: 'POST',
      json: { refresh_token: tokens.refresh_token },
    });

    expect(logout.status).toBe(204);
    expect(await statusOnEveryReplica(tokens.access_token)).toEqual(everyReplica(401));
    expect(await statusOnEveryReplica(other.access_token)).toEqual(everyReplica(200));
    expect(refresh.status).toBe(401);
    expect(refresh.json().code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('refreshes through the balancer', async () => {
    const tokens = await logIn();

    const response = await sendRequest(`${cluster.urls.balancer}/auth/refresh`, {
      method: 'POST',
      json: { refresh_token: tokens.refresh_token },
    });
    const next = response.json<TokenPair>();

    expect(response.status).toBe(200);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(
      Object.values(await statusOnEveryReplica(next.access_token)).every((status) => status === 200),
    ).toBe(true);
  });

  it('accepts the access_token cookie on every replica', async () => {
    const login = await sendRequest(`${cluster.urls.balancer}/auth/login?transport=cookie`, {
      json: TEST_USER,
    });
    const cookie = (login.headers['set-cookie'] ?? []).find((line) => line.startsWith('access_token='));

    expect(login.status).toBe(200);
    expect(cookie).toBeDefined();
    for (const replica of cluster.urls.replicas) {
      const response = await sendRequest(`${replica.url}/jwt/me`, {
        headers: { cookie: cookie!.split(';')[0]! },
      });
      expect(response.status).toBe(200);
    }
  });

  it('throttles despite a forged X-Forwarded-For', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const response = await sendRequest(`${cluster.urls.balancer}/auth/login`, {
        json: { username: 'e2e-throttled-user', password: `wrong-${attempt}` },
        headers: { 'x-forwarded-for': `203.0.113.${attempt}` },
        localAddress: '127.0.0.7',
      });
      statuses.push(response.status);
    }
    const throttled = await sendRequest(`${cluster.urls.balancer}/auth/login`, {
      json: { username: 'e2e-throttled-user', password: 'wrong' },
      localAddress: '127.0.0.8',
    });

    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(throttled.json().code).toBe('LOGIN_THROTTLED');
  });

  it('measures the revocation window of every strategy', async () => {
    const windows = await measureRevocationWindows({
      balancer: cluster.urls.balancer,
      replicas: cluster.urls.replicas,
      strategies: ['jwt', 'session-redis', 'session-memory', 'cookie-session', 'basic'],
      deadlineMs: 1_000,
    });
    const byStrategy = Object.fromEntries(windows.map((window) => [window.strategy, window]));

    expect(byStrategy.jwt?.outcome).toBe('measured');
    expect(byStrategy.jwt?.windowMs).toBeLessThan(1_000);
    expect(byStrategy['session-redis']?.outcome).toBe('measured');
    expect(['measured', 'open']).toContain(byStrategy['session-memory']?.outcome);
    expect(byStrategy['cookie-session']?.outcome).toBe('open');
    expect(byStrategy['cookie-session']?.acceptingReplicas).toEqual([...cluster.replicaIds].sort());
    expect(byStrategy.basic?.outcome).toBe('no-logout');
  });
});
