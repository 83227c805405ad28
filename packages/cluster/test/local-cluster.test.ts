import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type ClusterHandle,
  ClusterStartError,
  findFreePort,
  isPortOpen,
  type LogRecord,
  probeHttpStatus,
  startLocalCluster,
} from '../src/index.js';

const STAND_IN = fileURLToPath(new URL('./fixtures/stand-in-service.mjs', import.meta.url));
const FAILING = fileURLToPath(new URL('./fixtures/failing-service.mjs', import.meta.url));

/** Sends GET `url` and returns the status and the X-Served-By header. */
async function servedBy(url: string): Promise<{ status: number; servedBy: string | null }> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return { status: response.status, servedBy: response.headers.get('x-served-by') };
}

/** Lists the processes whose command line mentions `text`. */
function processesMentioning(text: string): string[] {
  const output = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return output.split('\n').filter((line) => line.includes(text));
}

describe('startLocalCluster with stand-in services', () => {
  let cluster: ClusterHandle;
  let parentDir: string;
  const records: LogRecord[] = [];

  beforeAll(async () => {
    parentDir = await mkdtemp(join(tmpdir(), 'authlab-cluster-test-'));
    cluster = await startLocalCluster({
      freePorts: true,
      tempParentDir: parentDir,
      entryPoints: { auth: STAND_IN, api: STAND_IN },
      onLogLine: (record) => records.push(record),
      stopGraceMs: 2_000,
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await rm(parentDir, { recursive: true, force: true });
  });

  it('describes every part in its URLs', () => {
    expect(cluster.mode).toBe('local');
    expect(cluster.replicaIds).toEqual(['api-1', 'api-2', 'api-3']);
    expect(cluster.urls.balancer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster.urls.auth).toMatch(/^http:\/\/127\.0\.10\.1:\d+$/);
    expect(cluster.urls.redis).toMatch(/^redis:\/\/127\.0\.12\.1:\d+$/);
    expect(cluster.urls.replicas.map((replica) => replica.url)).toEqual([
      expect.stringMatching(/^http:\/\/127\.0\.11\.1:\d+$/),
      expect.stringMatching(/^http:\/\/127\.0\.11\.2:\d+$/),
      expect.stringMatching(/^http:\/\/127\.0\.11\.3:\d+$/),
    ]);
  });

  it('spreads requests over every replica', async () => {
    const seen = new Set<string | null>();
    for (let count = 0; count < 6; count += 1) {
      seen.add((await servedBy(`${cluster.urls.balancer}/jwt/me`)).servedBy);
    }

    expect([...seen].sort()).toEqual(['api-1', 'api-2', 'api-3']);
  });

  it('sends /auth/ to the auth service', async () => {
    expect(await servedBy(`${cluster.urls.balancer}/auth/login`)).toEqual({ status: 200, servedBy: 'auth' });
  });

  it('prefixes every rendered line with its source', async () => {
    const replicaLine = records.find((record) => record.source === 'api-2');
    // The access log is read from its file every 100 ms.
    const accessLine = await vi.waitFor(() => {
      const found = records.find((record) => record.source === 'nginx' && record.text.includes('ACCESS'));
      expect(found).toBeDefined();
      return found!;
    });

    expect(replicaLine?.text.startsWith('api-2   | ')).toBe(true);
    expect(accessLine.text.startsWith('nginx   | ')).toBe(true);
  });

  it('keeps the raw lines of each source', async () => {
    const lines = await cluster.readLogLines('auth');

    expect(lines.some((line) => line.includes('"msg":"server listening"'))).toBe(true);
  });

  it('skips a stopped replica and takes it back', async () => {
    await cluster.driver.stopReplica('api-2');
    const whileStopped = new Set<string | null>();
    for (let count = 0; count < 6; count += 1) {
      const reply = await servedBy(`${cluster.urls.balancer}/jwt/me`);
      expect(reply.status).toBe(200);
      whileStopped.add(reply.servedBy);
    }

    expect([...whileStopped].sort()).toEqual(['api-1', 'api-3']);

    await cluster.driver.startReplica('api-2');

    expect(await servedBy(`${cluster.urls.replicas[1]!.url}/healthz`)).toEqual({
      status: 200,
      servedBy: 'api-2',
    });
  });

  it('restarts a replica on the same address', async () => {
    await cluster.driver.restartReplica('api-1');

    expect(await servedBy(`${cluster.urls.replicas[0]!.url}/healthz`)).toEqual({
      status: 200,
      servedBy: 'api-1',
    });
  });

  it('stops and starts Redis on the same address', async () => {
    const redis = new URL(cluster.urls.redis);

    await cluster.driver.stopRedis();
    expect(await isPortOpen(redis.hostname, Number(redis.port))).toBe(false);
    expect(await probeHttpStatus(`${cluster.urls.replicas[0]!.url}/readyz`)).toBe(503);

    await cluster.driver.startRedis();
    expect(await isPortOpen(redis.hostname, Number(redis.port))).toBe(true);
  });

  it('stops and starts the auth service', async () => {
    await cluster.driver.stopAuth();
    expect(await probeHttpStatus(`${cluster.urls.auth}/healthz`)).toBeUndefined();

    await cluster.driver.startAuth();
    expect(await probeHttpStatus(`${cluster.urls.auth}/healthz`)).toBe(200);
  });

  it('rejects an unknown replica id', async () => {
    await expect(cluster.driver.stopReplica('api-9')).rejects.toThrow(
      'unknown replica "api-9": this cluster has api-1, api-2, api-3',
    );
  });

  it('leaves no process or folder behind after stop', async () => {
    const ports = [
      cluster.urls.balancer,
      cluster.urls.auth,
      ...cluster.urls.replicas.map((replica) => replica.url),
    ];

    await cluster.stop();

    for (const url of ports) {
      const { hostname, port } = new URL(url);
      expect(await isPortOpen(hostname, Number(port))).toBe(false);
    }
    expect(processesMentioning(parentDir)).toEqual([]);
    expect(await readdir(parentDir)).toEqual([]);
    await expect(cluster.driver.startRedis()).rejects.toThrow('the cluster is stopped: start a new one');
  });
});

describe('startLocalCluster failures', () => {
  let parentDir: string;

  beforeAll(async () => {
    parentDir = await mkdtemp(join(tmpdir(), 'authlab-cluster-test-'));
  });

  afterAll(async () => {
    await rm(parentDir, { recursive: true, force: true });
  });

  it('cleans up when a replica exits during start-up', async () => {
    const authPort = await findFreePort('127.0.10.1');
    const redisPort = await findFreePort('127.0.12.1');

    const start = startLocalCluster({
      freePorts: true,
      ports: { auth: authPort, redis: redisPort },
      replicaCount: 2,
      tempParentDir: parentDir,
      entryPoints: { auth: STAND_IN, api: FAILING },
      stopGraceMs: 2_000,
    });

    await expect(start).rejects.toThrow(ClusterStartError);
    await expect(start).rejects.toThrow(/api-\d did not become ready: exited with code 1/);
    await expect(start).rejects.toThrow('the stand-in rejects every configuration');
    expect(await isPortOpen('127.0.10.1', authPort)).toBe(false);
    expect(await isPortOpen('127.0.12.1', redisPort)).toBe(false);
    expect(await readdir(parentDir)).toEqual([]);
  });

  it('names a missing entry point', async () => {
    await expect(
      startLocalCluster({ freePorts: true, entryPoints: { auth: '/nonexistent/server.js', api: STAND_IN } }),
    ).rejects.toThrow('/nonexistent/server.js was not found: build the services first with pnpm build');
  });

  it('names a port that is already in use', async () => {
    const port = await findFreePort('127.0.0.1');
    const blocker = (await import('node:net')).createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port }, resolve));

    try {
      await expect(
        startLocalCluster({
          freePorts: true,
          balancerPort: port,
          entryPoints: { auth: STAND_IN, api: STAND_IN },
        }),
      ).rejects.toThrow(
        `127.0.0.1:${port}, planned for the balancer's round-robin listener, is already in use`,
      );
    } finally {
      blocker.close();
    }
  });

  it('rejects a replica count out of range', async () => {
    await expect(startLocalCluster({ replicaCount: 0 })).rejects.toThrow(
      new TypeError('replicaCount must be an integer from 1 to 9, got 0'),
    );
  });
});
