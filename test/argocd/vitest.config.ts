import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:argocd` (test/argocd/run.sh): the Lua health checks (they need lua5.1) and the argocd-cm drift check
// (which the integration project also runs).
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'argocd',
    include: ['test/argocd/**/*.test.ts', 'test/argocd/**/*.argocd-test.ts'],
    environment: 'node',
  },
});
