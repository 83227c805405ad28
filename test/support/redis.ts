import type { ChildProcess } from 'node:child_process';
import { findFreePort, type RedisServer, startRedisServer } from '@authlab/cluster';
import { probeDockerEngine } from './compose-cluster.js';

/** The Redis image of docker-compose.yml; test/compose checks that the two stay equal. */
export const REDIS_IMAGE = 'redis:8.10.2-alpine';

/** Where a test Redis runs: `container` (testcontainers) or `process` (a spawned redis-server). */
export type TestRedisBackend = 'container' | 'process';

/**
 * Chooses the backend from LAB_REDIS: `container` or `process` forces one, and `auto` (the default) takes
 * a container when a Docker engine is reachable and a redis-server process otherwise.
 */
export async function chooseTestRedisBackend(
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestRedisBackend> {
  const requested = env.LAB_REDIS ?? 'auto';
  if (requested === 'process' || requested === 'container') {
    return requested;
  }
  if (requested !== 'auto') {
    throw new TypeError(
      `LAB_REDIS is invalid: expected auto, container or process, got ${JSON.stringify(requested)}`,
    );
  }
  return (await probeDockerEngine()).available ? 'container' : 'process';
}

/**
 * Starts a private Redis for one test file: testcontainers' Redis where a Docker engine is reachable, a
 * redis-server process on a free loopback port elsewhere (see `chooseTestRedisBackend`). Stop it in
 * `afterAll`.
 *
 * A container has no local process, so its `process` property throws: a test that pauses or signals
 * Redis must start it with `startRedisServer` from @authlab/cluster.
 */
export async function startTestRedis(options: { persistent?: boolean } = {}): Promise<RedisServer> {
  const persistent = options.persistent ?? false;
  if ((await chooseTestRedisBackend()) === 'container') {
    return startContainerRedis(persistent);
  }

  const host = '127.0.0.1';
  const port = await findFreePort(host);
  return startRedisServer({ host, port, persistent });
}

async function startContainerRedis(persistent: boolean): Promise<RedisServer> {
  const engine = await probeDockerEngine();
  if (!engine.available) {
    throw new Error(`LAB_REDIS=container needs a Docker engine, but ${engine.reason}`);
  }

  const { RedisContainer } = await import('@testcontainers/redis');
  // The same persistence flags as startRedisServer: nothing on disk, or an append-only file.
  const persistence = persistent
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
    : ['--save', '', '--appendonly', 'no'];
  const container = await new RedisContainer(REDIS_IMAGE)
    .withCommand(['redis-server', ...persistence])
    .start();

  const host = container.getHost();
  const port = container.getPort();
  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    get process(): ChildProcess {
      throw new Error(
        'this test Redis runs in a container (testcontainers), so it has no process to signal; start it with startRedisServer from @authlab/cluster, or set LAB_REDIS=process',
      );
    },
    async stop(graceMs = 5_000) {
      await container.stop({ timeout: graceMs });
    },
  };
}
