import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The container image, built from the Dockerfile by test/image/setup.sh and run with podman. Run through
// `npm run test:image` (test/image/run.sh), which builds or refreshes the image first.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'image',
    include: ['test/image/**/*.image-test.ts'],
    environment: 'node',
    hookTimeout: 600_000,
    testTimeout: 120_000,
    // Containers share two cores with everything else; one file at a time keeps timings meaningful.
    fileParallelism: false,
  },
});
