import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:alerts` (test/alerts/run.sh): the checks that need promtool, plus the runbook checks that the
// integration project also runs.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'alerts',
    include: ['test/alerts/**/*.test.ts', 'test/alerts/**/*.alerts-test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
