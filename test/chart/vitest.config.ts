import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The Helm chart against Helm (built from its Go module) and a real kube-apiserver (test/k8s harness). Run through
// `npm run test:chart` (test/chart/run.sh), which prepares the cached binaries first.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'chart',
    include: ['test/chart/**/*.chart-test.ts'],
    environment: 'node',
    globalSetup: ['test/chart/global-setup.ts'],
    hookTimeout: 3_600_000,
    testTimeout: 120_000,
    fileParallelism: false,
  },
});
