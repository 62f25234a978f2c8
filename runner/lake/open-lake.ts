import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { ObjectStoreEnv } from '../config.js';
import type { Logger } from '../logger.js';
import type { LoadedSpec } from '../spec/load-spec.js';
import { isS3Uri, openStorage } from '../storage/open-storage.js';
import { createLakeStore, type LakeStore } from './lake-store.js';

/**
 * The lake a loaded spec names, as `run`, `inspect` and `lake gc` all open it. `lakeUri` (a command-line --lake)
 * is relative to the current directory; the spec's own URI is relative to the spec file. An S3 lake stages through
 * `workDir`, or a per-lake temp directory so that runs of the same lake share their cache.
 */
export function openLake(
  loaded: LoadedSpec,
  o: {
    lakeUri?: string | undefined;
    objectStore: ObjectStoreEnv;
    workDir?: string | undefined;
    logger?: Logger;
  },
): LakeStore {
  const { pipeline, baseDir } = loaded;
  const spec = pipeline.spec;
  const uri = o.lakeUri ?? spec.lake.uri;
  const root = isS3Uri(uri) ? uri : o.lakeUri ? path.resolve(o.lakeUri) : path.resolve(baseDir, uri);
  const storage = openStorage(root, {
    baseDir,
    spec: spec.lake.s3,
    env: o.objectStore,
    ...(o.logger ? { logger: o.logger } : {}),
  });
  return createLakeStore({
    root,
    dataset: spec.source.dataset,
    storage,
    workDir:
      o.workDir ??
      path.join(
        os.tmpdir(),
        `medallion-lake-${crypto.createHash('sha256').update(root).digest('hex').slice(0, 12)}`,
      ),
  });
}
