import { defineConfig } from 'vitest/config';

// Three projects: unit tests run in parallel; cross-service and browser tests start whole clusters on
// loopback, so they run one file at a time to stay within a two-core machine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'packages/*/test/**/*.test.ts',
            'services/*/test/**/*.test.ts',
            'test/compose/**/*.test.ts',
            'test/docs/**/*.test.ts',
          ],
          pool: 'forks',
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 90_000,
          // Chromium and a cluster together are heavy on two cores, so these files wait for the others.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
