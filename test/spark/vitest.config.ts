import { defineConfig } from 'vitest/config';

/** The Spark engine's tests: Spark from PyPI (test/spark/setup-spark.sh, run by the global setup), local mode. */
export default defineConfig({
  test: {
    name: 'spark',
    include: ['test/spark/**/*.spark-test.ts'],
    environment: 'node',
    globalSetup: ['test/spark/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
