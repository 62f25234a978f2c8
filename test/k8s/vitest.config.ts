import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests against a real kube-apiserver + etcd (built by test/k8s/setup-apiserver.sh). Kept out of the root config's
// integration glob (test/**/*.test.ts) on purpose: CI runs them as their own step.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'k8s',
    include: ['test/k8s/**/*.k8s-test.ts'],
    environment: 'node',
    globalSetup: ['test/k8s/global-setup.ts'],
    // The first run builds the binaries (minutes); later runs only start the control plane (seconds).
    hookTimeout: 3_600_000,
    testTimeout: 60_000,
    fileParallelism: false,
  },
});
