import { findFreePort, type RedisServer, startRedisServer } from '@authlab/cluster';

/**
 * Starts a private redis-server on a free loopback port for one test file. Stop it in `afterAll`.
 */
export async function startTestRedis(options: { persistent?: boolean } = {}): Promise<RedisServer> {
  const host = '127.0.0.1';
  const port = await findFreePort(host);
  return startRedisServer({ host, port, persistent: options.persistent ?? false });
}
