import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['runner/**/*.test.ts', 'operator/**/*.test.ts', 'api/**/*.test.ts', 'cli/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // Full-data tests are CPU bound on a 2-core machine; running files in parallel only slows each down.
          fileParallelism: false,
        },
      },
    ],
  },
});
