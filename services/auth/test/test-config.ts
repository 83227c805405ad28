import { type AuthConfig, loadConfig } from '../src/config.js';

/** A 44-byte secret that only the tests use. */
export const TEST_JWT_SECRET = 'test-only-secret-0123456789-abcdefghijklmnop';

/** Builds a valid config for tests from the test secret plus any variables given. */
export function buildTestConfig(env: Record<string, string> = {}): AuthConfig {
  return loadConfig({ AUTH_JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'info', ...env });
}
