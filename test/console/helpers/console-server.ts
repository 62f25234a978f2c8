import { execFileSync } from 'node:child_process';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../../..');

/** Builds the console bundle exactly as `npm run build` does (esbuild, about a second) into dist/console. */
export function buildConsole(): string {
  execFileSync(process.execPath, ['--import', 'tsx', 'api/console/build-console.ts'], {
    cwd: repo,
    stdio: 'pipe',
  });
  return path.join(repo, 'dist/console');
}
