import type { ClusterHandle } from '@authlab/cluster';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  COMPOSE_START_TIMEOUT_MS,
  type ComposeSupport,
  probeComposeSupport,
  startComposeCluster,
} from '../support/compose-cluster.js';
import { sendRequest, signInWithJwt, signInWithSession, TEST_USER } from '../support/http.js';

const DRILL_TIMEOUT_MS = 120_000;

/** Sends `count` JWT requests through the balancer and collects the response statuses and X-Served-By values. */
async function spreadRequests(cluster: ClusterHandle, token: string, count: number) {
  const servedBy = new Set<string>();
  const statuses = new Set<number>();
  for (let index = 0; index < count; index += 1) {
    const response = await sendRequest(`${cluster.urls.balancer}/jwt/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    statuses.add(response.status);
    servedBy.add(String(response.headers['x-served-by']));
  }
  return { servedBy, statuses };
}

// Starts docker-compose.yml where a Docker engine is reachable and the compose command works. Elsewhere
// every test is skipped with the reason, so a run without Docker reports it instead of passing in silence.
describe('compose provider', () => {
  let support: ComposeSupport;
  let cluster: ClusterHandle | undefined;

  beforeAll(async () => {
    support = await probeComposeSupport();
    if (!support.available) {
      console.warn(`compose provider tests skipped: ${support.reason}`);
      return;
    }
    cluster = await startComposeCluster();
  }, COMPOSE_START_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.stop();
  }, DRILL_TIMEOUT_MS);

  beforeEach((context) => {
    if (!support.available) {
      context.skip(`the compose cluster cannot run here: ${support.reason}`);
    }
  });

  it('hands out a compose cluster handle', () => {
    expect(cluster?.mode).toBe('compose');
    expect(cluster?.replicaIds).toEqual(['api-1', 'api-2', 'api-3']);
    expect(cluster?.urls.balancer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(cluster?.urls.balancers ?? {})).toEqual([
      'round-robin',
      'ip-hash',
      'cookie-hash',
      'sticky-route',
    ]);
    expect(cluster?.urls.balancers?.['round-robin']).toBe(cluster?.urls.balancer);
    expect(cluster?.urls.dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster?.driver.restartReplicaWithSecrets).toBeDefined();
  });

  it('accepts one JWT on every replica directly', async () => {
    const handle = cluster!;
    const token = await signInWithJwt(handle.urls.balancer);

    for (const replica of handle.urls.replicas) {
      const response = await sendRequest(`${replica.url}/jwt/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, replica.id).toBe(200);
      expect(response.json()).toEqual({ strategy: 'jwt', sub: TEST_USER.username, servedBy: replica.id });
    }
  });

  it('keeps a Redis session across replicas', async () => {
    const handle = cluster!;
    const { cookie } = await signInWithSession(handle.urls.balancer, 'session-redis');

    for (const replica of handle.urls.replicas) {
      const response = await sendRequest(`${replica.url}/session-redis/me`, { headers: { cookie } });
      expect(response.status, replica.id).toBe(200);
    }
  });

  it(
    'reaches a restarted replica again through the balancer',
    async () => {
      const handle = cluster!;
      const token = await signInWithJwt(handle.urls.balancer);

      await handle.driver.restartReplica('api-2');
      // nginx re-resolves the name within the resolver's valid=5s; allow twice that before the count.
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      const { servedBy, statuses } = await spreadRequests(handle, token, 30);

      expect([...statuses]).toEqual([200]);
      expect([...servedBy].sort()).toEqual(['api-1', 'api-2', 'api-3']);
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'stops and starts a replica with docker compose',
    async () => {
      const handle = cluster!;
      const token = await signInWithJwt(handle.urls.balancer);

      await handle.driver.stopReplica('api-3');
      const whileStopped = await spreadRequests(handle, token, 12);
      await handle.driver.startReplica('api-3');

      expect([...whileStopped.statuses]).toEqual([200]);
      expect(whileStopped.servedBy.has('api-3')).toBe(false);
    },
    DRILL_TIMEOUT_MS,
  );

  it('serves the dashboard with the published balancer ports', async () => {
    const handle = cluster!;
    const page = await sendRequest(`${handle.urls.dashboard}/`);
    const config = await sendRequest(`${handle.urls.dashboard}/config.json`);

    expect(page.status).toBe(200);
    expect(config.status).toBe(200);
    // nginx fills in the host name of the request, 127.0.0.1, and the image the published ports.
    expect(config.json()).toEqual({ balancerUrls: handle.urls.balancers, drillApiUrl: null });
  });

  it('sends CORS headers to the dashboard origin', async () => {
    const handle = cluster!;
    const origin = handle.urls.dashboard!;

    // A replica's 401 and the auth service's 400 for an empty login, both through the balancer.
    const replica = await sendRequest(`${handle.urls.balancer}/jwt/me`, { headers: { origin } });
    const auth = await sendRequest(`${handle.urls.balancer}/auth/login`, { headers: { origin }, json: {} });

    expect(replica.status).toBe(401);
    expect(replica.headers['access-control-allow-origin']).toBe(origin);
    expect(replica.headers['access-control-allow-credentials']).toBe('true');
    expect(auth.status).toBe(400);
    expect(auth.headers['access-control-allow-origin']).toBe(origin);
    expect(auth.headers['access-control-allow-credentials']).toBe('true');
  });

  it('reads the log lines of a service', async () => {
    const lines = await cluster!.readLogLines('auth');

    expect(lines.length).toBeGreaterThan(0);
    expect(await cluster!.readLogLines('no-such-service')).toEqual([]);
  });
});
