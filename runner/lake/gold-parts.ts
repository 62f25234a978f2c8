import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { joinKey, readText } from '../storage/storage.js';
import type { LakeStore } from './lake-store.js';

/**
 * Gold's per-partition pre-aggregates in the lake: immutable files under
 * `gold/<dataset>/parts/<preagg>/business_date=<key>/<runId>.parquet`, written once by the run that recomputed the
 * partition and shared by every later version that did not (a version's `_meta.json` lists the keys it uses).
 * Everything goes through the Storage interface, so a lake on S3 works like a local one.
 */

export const goldPartKey = (dataset: string, preagg: string, partition: string, runId: string): string =>
  joinKey('gold', dataset, 'parts', preagg, `business_date=${partition}`, `${runId}.parquet`);

/** Where a downloaded copy of a part lives on this machine (parts are immutable: a copy never goes stale). */
const cachePath = (lake: LakeStore, key: string): string =>
  path.join(lake.workDir, '_cache', 'lake', ...key.split('/'));

/** Stores staged part files at their keys: a rename on a local lake, an upload (kept as the cached copy) on S3. */
export async function storeGoldParts(
  lake: LakeStore,
  staged: { file: string; key: string }[],
): Promise<void> {
  for (const s of staged) {
    const local = lake.storage.localPath(s.key);
    const target = local ?? cachePath(lake, s.key);
    if (!local) await lake.storage.put(s.key, createReadStream(s.file));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(s.file, target);
  }
}

/** Local paths of stored parts, for the engine to read; downloads the ones this machine has not seen. */
export async function goldPartPaths(lake: LakeStore, keys: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const key of keys) {
    const local = lake.storage.localPath(key);
    if (local) {
      out.push(local);
      continue;
    }
    const file = cachePath(lake, key);
    if (!(await fs.stat(file).catch(() => undefined))) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.partial`;
      await pipeline(await lake.storage.createReadStream(key), createWriteStream(tmp));
      await fs.rename(tmp, file);
    }
    out.push(file);
  }
  return out;
}

/** The part keys a gold version's meta references (none for a version built before incremental gold). */
export function referencedParts(meta: unknown): Set<string> {
  const parts = (meta as { parts?: Record<string, { files: Record<string, { key: string }> }> }).parts;
  return new Set(Object.values(parts ?? {}).flatMap((p) => Object.values(p.files).map((f) => f.key)));
}

/** The part keys of published gold versions, read before a publish may prune some of them. */
export async function partsOfVersions(
  lake: LakeStore,
  versions: string[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const v of versions) {
    const r = await readText(lake.storage, joinKey('gold', lake.dataset, 'versions', v, '_meta.json'));
    if (r) out.set(v, referencedParts(JSON.parse(r.text)));
  }
  return out;
}

/** Deletes parts (and, on a local lake, their emptied partition directory). */
export async function deleteGoldParts(lake: LakeStore, keys: Iterable<string>): Promise<number> {
  let n = 0;
  for (const key of keys) {
    await lake.storage.delete(key);
    const local = lake.storage.localPath(key);
    if (local) await fs.rmdir(path.dirname(local)).catch(() => undefined);
    await fs.rm(cachePath(lake, key), { force: true });
    n++;
  }
  return n;
}

/**
 * After a publish: the parts only pruned versions referenced. `before` holds the parts of the versions published
 * before this run's (read before publishing, as pruning deletes their metas); the retained versions' parts stay.
 * A concurrent run's unpublished parts are never in `before`, so they are never touched.
 */
export async function pruneGoldParts(
  lake: LakeStore,
  before: Map<string, Set<string>>,
  retained: string[],
): Promise<number> {
  const keep = new Set<string>();
  const known = new Map(before);
  const unknown = retained.filter((v) => !known.has(v));
  for (const [v, s] of await partsOfVersions(lake, unknown)) known.set(v, s);
  for (const v of retained) for (const k of known.get(v) ?? []) keep.add(k);
  const drop = new Set<string>();
  for (const [v, s] of before) {
    if (retained.includes(v)) continue;
    for (const k of s) if (!keep.has(k)) drop.add(k);
  }
  return deleteGoldParts(lake, drop);
}
