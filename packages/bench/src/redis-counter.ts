import { Redis } from 'ioredis';
import type { BenchCounter } from './bench-runner.js';
import { parseLoopbackTarget } from './loopback.js';

/** A counter of the commands a Redis server has processed, with the connection it reads them over. */
export interface RedisCommandCounter extends BenchCounter {
  close(): Promise<void>;
}

/**
 * Reads `total_commands_processed` from `INFO stats` of a loopback Redis. Each read is one command
 * itself, so a row's figure is high by two commands over all of its requests, which is negligible.
 */
export function buildRedisCommandCounter(redisUrl: string): RedisCommandCounter {
  const url = new URL(redisUrl);
  parseLoopbackTarget(`http://${url.host}`);
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 2_000 });
  client.on('error', () => {
    // A failed read makes the counter report nothing for the row; the error itself is not needed.
  });

  return {
    name: 'redis commands',
    async read() {
      if (client.status === 'wait') {
        await client.connect();
      }
      const stats = await client.info('stats');
      const match = /total_commands_processed:(\d+)/.exec(stats);
      return match ? Number(match[1]) : undefined;
    },
    async close() {
      client.disconnect();
    },
  };
}
