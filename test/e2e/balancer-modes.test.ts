import type { ClusterHandle } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestCluster } from '../support/cluster.js';
import { sendRequest, signInWithSession, TEST_USER } from '../support/http.js';

/** Source address of simulated client `index`, each in its own /24 (the block compare uses). */
function clientAddress(index: number): string {
  return `127.1.${index}.1`;
}

function servedBy(headers: Record<string, unknown>): string {
  return String(headers['x-served-by']);
}

describe('balancer modes', () => {
  let cluster: ClusterHandle;
  let balancers: Record<string, string>;

  beforeAll(async () => {
    cluster = await startTestCluster();
    balancers = { ...cluster.urls.balancers } as Record<string, string>;
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('serves every mode on its own listener', async () => {
    expect(Object.keys(balancers)).toEqual(['round-robin', 'ip-hash', 'cookie-hash', 'sticky-route']);
    for (const url of Object.values(balancers)) {
      const response = await sendRequest(`${url}/healthz`);

      expect(response.status).toBe(200);
    }
  });

  it('spreads clients of different /24 networks in ip-hash mode', async () => {
    const replicasPerClient = new Map<string, Set<string>>();
    for (let client = 0; client < 12; client += 1) {
      const replicas = new Set<string>();
      for (let request = 0; request < 3; request += 1) {
        const response = await sendRequest(`${balancers['ip-hash']}/healthz`, {
          localAddress: clientAddress(client),
        });
        replicas.add(servedBy(response.headers));
      }
      replicasPerClient.set(clientAddress(client), replicas);
    }

    for (const replicas of replicasPerClient.values()) {
      expect(replicas.size).toBe(1);
    }
    const used = new Set([...replicasPerClient.values()].flatMap((replicas) => [...replicas]));
    expect(used.size).toBeGreaterThan(1);
  });

  it('pins every client of one /24 to one replica in ip-hash mode', async () => {
    const replicas = new Set<string>();
    for (let host = 1; host <= 12; host += 1) {
      const response = await sendRequest(`${balancers['ip-hash']}/healthz`, {
        localAddress: `127.1.0.${host}`,
      });
      replicas.add(servedBy(response.headers));
    }

    expect(replicas.size).toBe(1);
  });

  it('sends every cookieless request to one replica in cookie-hash mode', async () => {
    const replicas = new Set<string>();
    for (let client = 0; client < 12; client += 1) {
      const response = await sendRequest(`${balancers['cookie-hash']}/healthz`, {
        localAddress: clientAddress(client),
      });
      replicas.add(servedBy(response.headers));
    }

    expect(replicas.size).toBe(1);
  });

  it('keeps each session cookie on one replica in cookie-hash mode', async () => {
    const { cookie } = await signInWithSession(balancers['cookie-hash']!, 'session-redis');
    const replicas = new Set<string>();
    for (let request = 0; request < 6; request += 1) {
      const response = await sendRequest(`${balancers['cookie-hash']}/session-redis/me`, {
        headers: { cookie },
      });

      expect(response.status).toBe(200);
      replicas.add(servedBy(response.headers));
    }

    expect(replicas.size).toBe(1);
  });

  it('moves an ip-hash client when its replica stops', async () => {
    const address = clientAddress(200);
    const memory = await sendRequest(`${balancers['ip-hash']}/session-memory/login`, {
      json: TEST_USER,
      localAddress: address,
    });
    const redis = await sendRequest(`${balancers['ip-hash']}/session-redis/login`, {
      json: TEST_USER,
      localAddress: address,
    });
    const pinnedTo = servedBy(memory.headers);
    expect(servedBy(redis.headers)).toBe(pinnedTo);
    const cookieOf = (response: typeof memory) => response.headers['set-cookie']![0]!.split(';')[0]!;

    await cluster.driver.stopReplica(pinnedTo);
    try {
      const memoryAfter = await sendRequest(`${balancers['ip-hash']}/session-memory/me`, {
        headers: { cookie: cookieOf(memory) },
        localAddress: address,
      });
      const redisAfter = await sendRequest(`${balancers['ip-hash']}/session-redis/me`, {
        headers: { cookie: cookieOf(redis) },
        localAddress: address,
      });

      // nginx rehashes the client to another replica: the memory session is gone, the Redis one is not.
      expect(servedBy(memoryAfter.headers)).not.toBe(pinnedTo);
      expect(memoryAfter.status).toBe(401);
      expect(redisAfter.status).toBe(200);
    } finally {
      await cluster.driver.startReplica(pinnedTo);
    }
  });

  describe('sticky-route', () => {
    let cookie: string;
    let createdBy: string;

    beforeAll(async () => {
      const response = await sendRequest(`${balancers['sticky-route']}/session-memory/login`, {
        json: TEST_USER,
      });
      expect(response.status).toBe(200);
      const setCookies = response.headers['set-cookie'] ?? [];
      createdBy = servedBy(response.headers);
      cookie = setCookies.map((line) => line.split(';')[0]!).join('; ');
    });

    it('sets a route cookie naming the creating replica', () => {
      expect(cookie).toContain(`route=${createdBy}`);
      expect(cookie).toMatch(/sid_memory=/);
    });

    it('keeps a memory session working', async () => {
      for (let request = 0; request < 9; request += 1) {
        const response = await sendRequest(`${balancers['sticky-route']}/session-memory/me`, {
          headers: { cookie },
        });

        expect(response.status).toBe(200);
        expect(servedBy(response.headers)).toBe(createdBy);
      }
    });

    it('falls back to round-robin for an unknown route', async () => {
      const replicas = new Set<string>();
      for (let request = 0; request < 9; request += 1) {
        const response = await sendRequest(`${balancers['sticky-route']}/healthz`, {
          headers: { cookie: 'route=api-99' },
        });

        expect(response.status).toBe(200);
        replicas.add(servedBy(response.headers));
      }

      expect(replicas.size).toBe(cluster.replicaIds.length);
    });

    it('falls back while its replica is down and returns after', async () => {
      await cluster.driver.stopReplica(createdBy);
      try {
        for (let request = 0; request < 6; request += 1) {
          const response = await sendRequest(`${balancers['sticky-route']}/session-memory/me`, {
            headers: { cookie },
          });

          // The session lived in the stopped replica's memory, so another replica answers and rejects it.
          expect(response.status).toBe(401);
          expect(servedBy(response.headers)).not.toBe(createdBy);
        }
      } finally {
        await cluster.driver.startReplica(createdBy);
      }

      // nginx tries the replica again once fail_timeout has passed after its last failure.
      await vi.waitFor(
        async () => {
          const response = await sendRequest(`${balancers['sticky-route']}/healthz`, { headers: { cookie } });
          expect(servedBy(response.headers)).toBe(createdBy);
        },
        { timeout: 15_000, interval: 500 },
      );
    });
  });

  it('sends traffic to a restarted replica again in round-robin mode', async () => {
    const restarted = cluster.replicaIds[1]!;
    await cluster.driver.restartReplica(restarted);

    await vi.waitFor(
      async () => {
        const replicas = new Set<string>();
        for (let request = 0; request < cluster.replicaIds.length * 2; request += 1) {
          const response = await sendRequest(`${balancers['round-robin']}/healthz`);
          expect(response.status).toBe(200);
          replicas.add(servedBy(response.headers));
        }
        expect(replicas).toContain(restarted);
      },
      { timeout: 15_000, interval: 500 },
    );
  });
});
