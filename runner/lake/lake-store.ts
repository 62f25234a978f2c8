import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, LakeError } from '../errors.js';
import { createLocalStorage } from '../storage/local-storage.js';
import { joinKey, readText, type Storage } from '../storage/storage.js';
import { partsPrefix, tablePartitionKeys, unreferencedKeys } from './partition-files.js';
import { downloadFile, downloadPrefix, inParallel, uploadDir } from './transfer.js';

export type Layer = 'silver' | 'gold';

export interface LayerVersion<M = Record<string, unknown>> {
  version: string;
  /** Local directory of the version's files (in place on a local lake, a downloaded copy from object storage). */
  dir: string;
  meta: M;
}

/** What CURRENT says, with the etag a publish compares against. */
export interface LayerHead<M = Record<string, unknown>> {
  version: string;
  meta: M;
  etag: string;
  /** The last published versions, newest last; pruning deletes only versions that fall out of it. */
  history: string[];
}

export interface ManifestEntry {
  /** Name relative to the source root (see source-files.ts). */
  file: string;
  size: number;
  sha256: string;
  /** The object's ETag when the source is in object storage: an unchanged ETag skips re-hashing. */
  etag?: string;
  /**
   * A local file's modification time (ms) when it was read, if it did not change while being read: an unchanged
   * size and mtime skip re-hashing, so a run costs the new files, not every file ingested before.
   */
  mtimeMs?: number;
  rows: number;
  malformed: number;
  runId: string;
  ingestedAt: string;
  /** Bronze part (relative to the dataset's bronze directory) holding this file's rows. */
  part: string;
}

export interface BronzeManifest {
  dataset: string;
  /** Increases by one with every bronze publish; silver records the version it was built from. */
  version: number;
  updatedAt: string;
  files: ManifestEntry[];
}

/** A layer publish either moved CURRENT to the new version, or left a concurrent run's version in place. */
export type PublishOutcome<M> =
  | { published: true; dir: string; attempts: number }
  | { published: false; current: LayerHead<M>; attempts: number };

/** Writes a file so that readers see either the old or the new content, never a partial one. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

const parse = <T>(key: string, text: string): T => {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new LakeError(`cannot read ${key}: ${(e as Error).message}`, {
      cause: e,
      hint: 'The lake metadata is damaged; restore it from a backup or start a new lake.',
    });
  }
};

/** How often a commit re-plans after losing a race before it gives up with CONFLICT. */
export const MAX_COMMIT_ATTEMPTS = 8;

export interface LakeStore {
  /** The lake's location for people: a local path or s3://bucket/prefix. */
  root: string;
  /** OpenLineage namespace of the lake's datasets. */
  namespace: string;
  dataset: string;
  storage: Storage;
  /** Local scratch: staging, the engine's temp files, downloaded versions. The lake itself when it is local. */
  workDir: string;
  bronzeDir: string;
  stagingDir(runId: string, step: string): Promise<string>;
  discardStaging(runId: string, step: string): Promise<void>;
  tempDir(): string;
  readManifest(): Promise<BronzeManifest>;
  /** The manifest and the etag its compare-and-swap needs (undefined: no manifest yet). */
  readManifestForUpdate(): Promise<{ manifest: BronzeManifest; etag: string | undefined }>;
  /** Moves (or uploads) the staged part to parts/<name>: invisible until a manifest names it. */
  storeBronzePart(stagedPart: string, partName: string): Promise<void>;
  deleteBronzePart(partName: string): Promise<void>;
  /** Publishes the manifest if it is still the one read with `etag`; false when a concurrent run changed it. */
  commitManifest(manifest: BronzeManifest, etag: string | undefined): Promise<boolean>;
  /** Local glob paths of bronze parts, for the engine to read. */
  bronzePartGlobs(parts: string[]): Promise<string[]>;
  head<M>(layer: Layer): Promise<LayerHead<M> | undefined>;
  current<M>(layer: Layer): Promise<LayerVersion<M> | undefined>;
  versions(layer: Layer): Promise<string[]>;
  version<M>(layer: Layer, version: string): Promise<LayerVersion<M> | undefined>;
  /**
   * Local paths of one table of a version, for the engine to read: the partition files its meta lists (downloaded
   * once from object storage), or the version's single `<table>.parquet`. Empty when the table has no rows.
   * Every reader of a layer's table goes through here (issue "Incremental runs": silver is partitioned).
   */
  tableFiles(layer: Layer, version: LayerVersion<unknown>, table: string): Promise<string[]>;
  /** Local paths of immutable partition files (keys relative to the lake root), downloaded once into the cache. */
  partitionFiles(keys: string[]): Promise<string[]>;
  /** Stores staged files at their partition keys (a rename locally; an upload, kept as the cached copy, on S3). */
  storePartitionFiles(files: { local: string; key: string }[]): Promise<void>;
  /** Deletes partition files nothing references (a discarded or failed run's own files). */
  deletePartitionFiles(keys: string[]): Promise<void>;
  /** Whether every key exists: a version built on shared files may only publish while they are all there. */
  partitionFilesExist(keys: string[]): Promise<boolean>;
  /**
   * Stores the staged directory as a new version, then moves CURRENT from `expected` to it by compare-and-swap.
   * When a concurrent run moved CURRENT first, `replace(theirs)` decides: true retries on top of theirs, false
   * drops this version and leaves theirs. Prunes the versions that fall out of the last `retain` published, and the
   * partition files they referenced that no retained version references.
   */
  publishLayer<M>(
    layer: Layer,
    version: string,
    stagedDir: string,
    meta: object,
    o: {
      retain: number;
      expected: LayerHead<M> | undefined;
      replace: (theirs: LayerHead<M>) => Promise<boolean>;
    },
  ): Promise<PublishOutcome<M>>;
  /** Stores a run summary under _runs/<runId>/ and moves _runs/latest.json to it unless a newer run is there. */
  writeRunRecord(runId: string, json: string): Promise<void>;
  runDir(runId: string): string;
  lineageDir(runId: string): string;
  /** Uploads a run's lineage events when the lake is not local (no-op otherwise). */
  syncLineage(runId: string): Promise<void>;
}

export function createLakeStore(options: {
  root: string;
  dataset: string;
  storage?: Storage;
  workDir?: string;
}): LakeStore {
  const { dataset } = options;
  const storage = options.storage ?? createLocalStorage({ root: options.root });
  const local = storage.localPath('') !== undefined;
  const workDir = local ? storage.localPath('')! : path.resolve(options.workDir ?? options.root);
  const root = local ? workDir : storage.uri;
  const layerKey = (layer: Layer, ...rest: string[]): string => joinKey(layer, dataset, ...rest);
  const bronzeKey = (...rest: string[]): string => joinKey('bronze', dataset, ...rest);
  const cacheDir = (...rest: string[]): string => path.join(workDir, '_cache', 'lake', ...rest);
  const stagingPath = (runId: string, step: string): string => path.join(workDir, '_staging', runId, step);

  const readJson = async <T>(key: string): Promise<{ value: T; etag: string } | undefined> => {
    const r = await readText(storage, key);
    return r && { value: parse<T>(key, r.text), etag: r.etag };
  };

  /** A downloaded copy of an immutable prefix, made once per work directory (marked complete by a rename). */
  const materialise = async (key: string, dir: string): Promise<string> => {
    if (local) return storage.localPath(key)!;
    if (await fs.stat(dir).catch(() => undefined)) return dir;
    const tmp = `${dir}.${process.pid}.${Date.now()}.partial`;
    await downloadPrefix(storage, `${key}/`, tmp);
    await fs.mkdir(path.dirname(dir), { recursive: true });
    await fs.rename(tmp, dir).catch(async (e: unknown) => {
      // Another process of this machine finished the same download first: theirs is as good.
      await fs.rm(tmp, { recursive: true, force: true });
      if (!(await fs.stat(dir).catch(() => undefined))) throw e;
    });
    return dir;
  };

  /** Moves a staged directory to `key` (a rename on a local lake; an upload, then kept as the cached copy). */
  const store = async (stagedDir: string, key: string, cached: string): Promise<void> => {
    if (local) {
      const target = storage.localPath(key)!;
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rm(target, { recursive: true, force: true });
      await fs.rename(stagedDir, target);
      return;
    }
    await uploadDir(storage, stagedDir, key);
    await fs.mkdir(path.dirname(cached), { recursive: true });
    await fs.rm(cached, { recursive: true, force: true });
    await fs.rename(stagedDir, cached);
  };

  const removePrefix = async (key: string): Promise<void> => {
    if (local) {
      await fs.rm(storage.localPath(key)!, { recursive: true, force: true });
      return;
    }
    for (const o of await storage.list(`${key}/`)) await storage.delete(o.key);
  };

  const keyCache = (key: string): string => cacheDir('files', ...key.split('/'));

  /** A partition file as a local path: in place on a local lake, else downloaded once (it never changes). */
  const materialiseFile = async (key: string): Promise<string> => {
    if (local) return storage.localPath(key)!;
    const file = keyCache(key);
    if (await fs.stat(file).catch(() => undefined)) return file;
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.partial`;
    await downloadFile(storage, key, tmp);
    await fs.rename(tmp, file);
    return file;
  };

  const partitionFiles = async (keys: string[]): Promise<string[]> => {
    const out: string[] = new Array<string>(keys.length);
    await inParallel(
      keys.map((k, i) => [k, i] as const),
      async ([k, i]) => {
        out[i] = await materialiseFile(k);
      },
    );
    return out;
  };

  const deletePartitionFiles = async (keys: string[]): Promise<void> => {
    await inParallel(keys, async (k) => {
      await storage.delete(k);
      if (!local) await fs.rm(keyCache(k), { force: true });
    });
    if (local) {
      // Empty business_date=… directories of deleted files go too (never one a writer just filled).
      for (const dir of new Set(keys.map((k) => path.dirname(storage.localPath(k)!))))
        await fs.rmdir(dir).catch(() => undefined);
    }
  };

  const metaOf = async (layer: Layer, v: string): Promise<unknown> =>
    (await readJson<unknown>(layerKey(layer, 'versions', v, '_meta.json')))?.value;

  const version = async <M>(layer: Layer, v: string): Promise<LayerVersion<M> | undefined> => {
    const meta = await readJson<M>(layerKey(layer, 'versions', v, '_meta.json'));
    if (!meta) return undefined;
    const dir = await materialise(layerKey(layer, 'versions', v), cacheDir(layer, dataset, v));
    return { version: v, dir, meta: meta.value };
  };

  const versions = async (layer: Layer): Promise<string[]> => {
    const prefix = layerKey(layer, 'versions') + '/';
    const names = new Set((await storage.list(prefix)).map((o) => o.key.slice(prefix.length).split('/')[0]!));
    return [...names].filter((e) => !e.startsWith('.')).sort();
  };

  const head = async <M>(layer: Layer): Promise<LayerHead<M> | undefined> => {
    const pointer = await readJson<{ version: string; history?: string[] }>(layerKey(layer, 'CURRENT'));
    if (!pointer) return undefined;
    const meta = await readJson<M>(layerKey(layer, 'versions', pointer.value.version, '_meta.json'));
    if (!meta) {
      throw new LakeError(`${layer} CURRENT names version ${pointer.value.version}, which does not exist`, {
        hint: 'The lake was changed by hand or by an old version; restore the version or remove CURRENT.',
      });
    }
    return {
      version: pointer.value.version,
      meta: meta.value,
      etag: pointer.etag,
      history: pointer.value.history ?? [pointer.value.version],
    };
  };

  const emptyManifest = (): BronzeManifest => ({
    dataset,
    version: 0,
    updatedAt: new Date(0).toISOString(),
    files: [],
  });

  return {
    root,
    namespace: local ? `file://${root}` : storage.uri,
    dataset,
    storage,
    workDir,
    bronzeDir: local ? storage.localPath(bronzeKey())! : cacheDir('bronze', dataset),
    async stagingDir(runId, step) {
      const dir = stagingPath(runId, step);
      await fs.rm(dir, { recursive: true, force: true });
      await fs.mkdir(dir, { recursive: true });
      return dir;
    },
    async discardStaging(runId, step) {
      await fs.rm(stagingPath(runId, step), { recursive: true, force: true });
      await fs.rmdir(path.join(workDir, '_staging', runId)).catch(() => undefined);
    },
    tempDir: () => path.join(workDir, '_tmp'),
    async readManifest() {
      return (await readJson<BronzeManifest>(bronzeKey('manifest.json')))?.value ?? emptyManifest();
    },
    async readManifestForUpdate() {
      const m = await readJson<BronzeManifest>(bronzeKey('manifest.json'));
      return { manifest: m?.value ?? emptyManifest(), etag: m?.etag };
    },
    storeBronzePart: (stagedPart, partName) =>
      store(stagedPart, bronzeKey(partName), cacheDir('bronze', dataset, partName)),
    deleteBronzePart: (partName) => removePrefix(bronzeKey(partName)),
    async commitManifest(manifest, etag) {
      const body = JSON.stringify(manifest, null, 2) + '\n';
      const key = bronzeKey('manifest.json');
      const r =
        etag === undefined ? await storage.putIfAbsent(key, body) : await storage.putIfMatch(key, body, etag);
      return r.ok;
    },
    async bronzePartGlobs(parts) {
      const out: string[] = [];
      for (const p of parts) {
        out.push(path.join(await materialise(bronzeKey(p), cacheDir('bronze', dataset, p)), '*.parquet'));
      }
      return out;
    },
    head,
    async tableFiles(_layer, v, table) {
      // A partitioned table lists its files in the meta's partition map; a whole table (gold, silver's lookup
      // tables, versions written before partitioning) is one <table>.parquet in the version directory.
      const keys = tablePartitionKeys(v.meta, table);
      if (keys.length > 0) return partitionFiles(keys);
      const file = path.join(v.dir, `${table}.parquet`);
      return (await fs.stat(file).catch(() => undefined)) ? [file] : [];
    },
    partitionFiles,
    async storePartitionFiles(files) {
      await inParallel(files, async (f) => {
        if (local) {
          const target = storage.localPath(f.key)!;
          await fs.mkdir(path.dirname(target), { recursive: true });
          await fs.rename(f.local, target);
          return;
        }
        await storage.put(f.key, createReadStream(f.local));
        await fs.mkdir(path.dirname(keyCache(f.key)), { recursive: true });
        await fs.rename(f.local, keyCache(f.key));
      });
    },
    deletePartitionFiles,
    async partitionFilesExist(keys) {
      let ok = true;
      await inParallel(keys, async (k) => {
        if (ok && !(await storage.stat(k))) ok = false;
      });
      return ok;
    },
    async current<M>(layer: Layer) {
      const h = await head<M>(layer);
      return h ? version<M>(layer, h.version) : undefined;
    },
    versions,
    version,
    async publishLayer(layer, v, stagedDir, meta, o) {
      await fs.writeFile(path.join(stagedDir, '_meta.json'), JSON.stringify(meta, null, 2) + '\n');
      const key = layerKey(layer, 'versions', v);
      const cached = cacheDir(layer, dataset, v);
      await store(stagedDir, key, cached);
      let expected = o.expected;
      for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
        const history = [...(expected?.history ?? []), v].slice(-o.retain);
        const pointer = JSON.stringify({ version: v, publishedAt: new Date().toISOString(), history }) + '\n';
        const cur = layerKey(layer, 'CURRENT');
        const r = expected
          ? await storage.putIfMatch(cur, pointer, expected.etag)
          : await storage.putIfAbsent(cur, pointer);
        if (r.ok) {
          // Only versions that were published and fell out of the window: never a concurrent run's in-flight one.
          // Their partition files go only when no retained version shares them (the version directory goes first:
          // a crash in between leaves unreferenced files, which `lake gc` finds).
          const dropped = (expected?.history ?? []).filter((old) => !history.includes(old));
          if (dropped.length > 0) {
            const droppedMetas = await Promise.all(dropped.map((d) => metaOf(layer, d)));
            const retainedMetas = [
              meta,
              ...(await Promise.all(history.filter((h) => h !== v).map((h) => metaOf(layer, h)))),
            ];
            for (const old of dropped) await removePrefix(layerKey(layer, 'versions', old));
            await deletePartitionFiles(
              unreferencedKeys(droppedMetas, retainedMetas, partsPrefix(layer, dataset)),
            );
          }
          return { published: true, dir: local ? storage.localPath(key)! : cached, attempts: attempt };
        }
        const theirs = await head<never>(layer);
        if (!theirs) throw new ConflictError(`${layer} CURRENT disappeared while publishing version ${v}`);
        if (!(await o.replace(theirs as never))) {
          await removePrefix(key);
          return { published: false, current: theirs as never, attempts: attempt };
        }
        // A publish that pruned our version between the two writes also moved CURRENT: the next swap fails.
        if (!(await storage.stat(`${key}/_meta.json`))) {
          throw new ConflictError(
            `${layer} version ${v} was removed by a concurrent run before it was published`,
          );
        }
        expected = theirs as never;
      }
      await removePrefix(key);
      throw new ConflictError(
        `${layer} version ${v} lost ${MAX_COMMIT_ATTEMPTS} publish races in a row to concurrent runs; nothing published`,
      );
    },
    async writeRunRecord(runId, json) {
      await storage.put(joinKey('_runs', runId, 'summary.json'), json);
      for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
        const latest = await readJson<{ runId?: string }>('_runs/latest.json');
        if (latest && (latest.value.runId ?? '') > runId) return; // a newer run already reported
        const r = latest
          ? await storage.putIfMatch('_runs/latest.json', json, latest.etag)
          : await storage.putIfAbsent('_runs/latest.json', json);
        if (r.ok) return;
      }
    },
    runDir: (runId) => path.join(workDir, '_runs', runId),
    lineageDir: (runId) => path.join(workDir, '_lineage', runId),
    async syncLineage(runId) {
      if (local) return;
      const dir = path.join(workDir, '_lineage', runId);
      if (await fs.stat(dir).catch(() => undefined))
        await uploadDir(storage, dir, joinKey('_lineage', runId));
    },
  };
}
