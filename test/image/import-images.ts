import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importImages, startContainerd } from './containerd.js';

// `node --import tsx test/image/import-images.ts`: imports the built image (and the pause image) into the cached
// containerd store ahead of kubelet.image-test.ts, so that test/image/prepare.sh can do it off the critical path. The test
// itself imports only what is missing (same image ID), so this is an optimisation, never a requirement.
const dir = mkdtempSync(join(tmpdir(), 'medallion-import-'));
const started = Date.now();
const containerd = await startContainerd(dir);
try {
  importImages(containerd, dir);
} finally {
  await containerd.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.stderr.write(
  `[import-images] containerd holds the image (${Math.round((Date.now() - started) / 1000)} s)\n`,
);
