import type { RedisServer } from '@authlab/cluster';
import { startTestRedis } from '../../../test/support/redis.js';
import { type AuthConfig, loadConfig } from '../src/config.js';

/** A 44-byte secret that only the tests use. */
export const TEST_JWT_SECRET = 'test-only-secret-0123456789-abcdefghijklmnop';

/** URL of the Redis that `startAuthTestRedis` started for the current test file; port 1 refuses connections. */
let testRedisUrl = 'redis://127.0.0.1:1';

/**
 * Starts a private Redis for one test file and makes `buildTestConfig` point at it. Stop it in `afterAll`.
 */
export async function startAuthTestRedis(): Promise<RedisServer> {
  const redis = await startTestRedis();
  testRedisUrl = redis.url;
  return redis;
}

/** Builds a valid config for tests from the test secret plus any variables given. */
export function buildTestConfig(env: Record<string, string> = {}): AuthConfig {
  return loadConfig({
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    AUTH_REDIS_URL: testRedisUrl,
    LOG_LEVEL: 'info',
    ...env,
  });
}
