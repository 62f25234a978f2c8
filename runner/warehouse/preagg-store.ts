import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { downloadFile, inParallel } from '../lake/transfer.js';
import { joinKey, type Storage } from '../storage/storage.js';

/**
 * Where the dimension pre-aggregate files live (preagg-plan.ts names them): under a prefix of a Storage, so a lake
 * on S3 works like a local one. Files are immutable (named by what they are built from), so a downloaded copy in
 * the local cache never goes stale.
 */
export interface PreaggStore {
  /** Every stored key (relative to the prefix) with when it was written. */
  list(): Promise<Map<string, Date>>;
  /** Local paths of stored keys, for DuckDB to read (downloaded once from object storage). */
  localPaths(keys: readonly string[]): Promise<string[]>;
  /** Stores local files at their keys (a rename on local storage; an upload, kept as the cached copy, on S3). */
  store(files: readonly { local: string; key: string }[]): Promise<void>;
  /** Deletes stored files no load needs any more (written before `before`, not in `keep`). */
  prune(keep: ReadonlySet<string>, before: Date): Promise<number>;
}

const moveFile = async (from: string, to: string): Promise<void> => {
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.rename(from, to).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EXDEV') throw error;
    await fs.copyFile(from, to);
    await fs.rm(from, { force: true });
  });
};

/** A store under `prefix` of `storage`; `cacheDir` holds downloaded copies when the storage is not local. */
export const createPreaggStore = (options: {
  storage: Storage;
  prefix: string;
  cacheDir: string;
}): PreaggStore => {
  const { storage, prefix, cacheDir } = options;
  const full = (key: string): string => joinKey(prefix, key);
  const cached = (key: string): string => path.join(cacheDir, ...full(key).split('/'));
  return {
    async list() {
      const base = `${joinKey(prefix)}/`;
      const objects = await storage.list(base);
      return new Map(objects.map((o) => [o.key.slice(base.length), o.lastModified]));
    },
    async localPaths(keys) {
      const out = new Array<string>(keys.length);
      await inParallel(
        keys.map((key, index) => [key, index] as const),
        async ([key, index]) => {
          const local = storage.localPath(full(key));
          if (local) {
            out[index] = local;
            return;
          }
          const file = cached(key);
          if (!(await fs.stat(file).catch(() => undefined))) {
            await fs.mkdir(path.dirname(file), { recursive: true });
            const partial = `${file}.${process.pid}.${Date.now()}.partial`;
            await downloadFile(storage, full(key), partial);
            await fs.rename(partial, file);
          }
          out[index] = file;
        },
      );
      return out;
    },
    async store(files) {
      await inParallel([...files], async ({ local, key }) => {
        const target = storage.localPath(full(key));
        if (target) return moveFile(local, target);
        await storage.put(full(key), createReadStream(local));
        await moveFile(local, cached(key));
      });
    },
    async prune(keep, before) {
      const stale = [...(await this.list()).entries()]
        .filter(([key, written]) => !keep.has(key) && written < before)
        .map(([key]) => key);
      await inParallel(stale, async (key) => {
        await storage.delete(full(key));
        await fs.rm(cached(key), { force: true });
        const local = storage.localPath(full(key));
        if (local) await fs.rmdir(path.dirname(local)).catch(() => undefined);
      });
      return stale.length;
    },
  };
};
