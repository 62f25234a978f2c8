import fs from 'node:fs/promises';
import path from 'node:path';
import { readText, type ObjectInfo } from '../storage/storage.js';
import { partsPrefix as layerPartsPrefix, referencedKeys } from './partition-files.js';
import type { BronzeManifest, LakeStore, Layer } from './lake-store.js';

export interface Orphan {
  kind: 'bronze-part' | 'layer-version' | 'partition-file' | 'staging';
  /** A key prefix in the lake, or a local directory for staging. */
  location: string;
  bytes: number;
  ageMs: number;
}

export interface GcReport {
  dryRun: boolean;
  orphans: Orphan[];
  deletedBytes: number;
}

/** Orphans younger than this may belong to a run still in flight: its part or version is not yet committed. */
export const DEFAULT_GC_GRACE_MS = 6 * 60 * 60 * 1000;

/**
 * Finds what no commit references: bronze parts no manifest entry names (lost races, killed runs), layer versions
 * that are neither CURRENT nor in its published history, partition files no remaining version references, and
 * staging left by killed runs, all older than the grace period. Deletes them unless `dryRun` (the default). `medallion lake gc` wires this to the CLI.
 */
export async function collectLakeGarbage(
  lake: LakeStore,
  o: { dryRun?: boolean; graceMs?: number; retain: number; now?: Date },
): Promise<GcReport> {
  const dryRun = o.dryRun ?? true;
  const grace = o.graceMs ?? DEFAULT_GC_GRACE_MS;
  const now = (o.now ?? new Date()).getTime();
  const orphans: Orphan[] = [];
  const removers: (() => Promise<void>)[] = [];
  const ds = lake.dataset;

  const groups = (objects: ObjectInfo[], prefix: string): Map<string, ObjectInfo[]> => {
    const m = new Map<string, ObjectInfo[]>();
    for (const obj of objects) {
      const name = obj.key.slice(prefix.length).split('/')[0]!;
      m.set(name, [...(m.get(name) ?? []), obj]);
    }
    return m;
  };
  const consider = (kind: Orphan['kind'], prefix: string, objects: ObjectInfo[]): void => {
    const newest = Math.max(...objects.map((x) => x.lastModified.getTime()));
    if (now - newest < grace) return;
    orphans.push({
      kind,
      location: prefix,
      bytes: objects.reduce((s, x) => s + x.size, 0),
      ageMs: now - newest,
    });
    removers.push(async () => {
      for (const x of objects) await lake.storage.delete(x.key);
      // A local lake keeps directories: remove the now empty ones, never a file a writer added meanwhile.
      const dir = lake.storage.localPath(prefix);
      if (dir) await removeEmptyDirs(dir);
    });
  };

  const manifest: BronzeManifest = await lake.readManifest();
  const referenced = new Set(manifest.files.map((e) => e.part));
  const partsPrefix = `bronze/${ds}/parts/`;
  for (const [name, objects] of groups(await lake.storage.list(partsPrefix), partsPrefix)) {
    if (!referenced.has(`parts/${name}`)) consider('bronze-part', `${partsPrefix}${name}/`, objects);
  }

  for (const layer of ['silver', 'gold'] as Layer[]) {
    const head = await lake.head(layer);
    const prefix = `${layer}/${ds}/versions/`;
    const all = groups(await lake.storage.list(prefix), prefix);
    const names = [...all.keys()].sort();
    // Lakes written before CURRENT kept a history: the newest `retain` versions up to CURRENT stay too.
    const kept = new Set([
      ...(head?.history ?? []),
      ...(head ? names.filter((n) => n <= head.version).slice(-o.retain) : []),
    ]);
    const staying: string[] = [];
    for (const [name, objects] of all) {
      const before = orphans.length;
      if (!kept.has(name)) consider('layer-version', `${prefix}${name}/`, objects);
      if (orphans.length === before) staying.push(name);
    }
    // Partition files are shared between versions: one goes only when no version that stays references it (kept
    // ones, and young ones a run in flight may still publish), and only after the grace period.
    const metas = await Promise.all(
      staying.map(async (n) => {
        const r = await readText(lake.storage, `${prefix}${n}/_meta.json`);
        return r ? (JSON.parse(r.text) as unknown) : undefined;
      }),
    );
    const pp = layerPartsPrefix(layer, ds);
    const referenced = new Set(metas.flatMap((m) => referencedKeys(m, pp)));
    for (const obj of await lake.storage.list(pp)) {
      if (referenced.has(obj.key) || now - obj.lastModified.getTime() < grace) continue;
      orphans.push({
        kind: 'partition-file',
        location: obj.key,
        bytes: obj.size,
        ageMs: now - obj.lastModified.getTime(),
      });
      removers.push(() => lake.deletePartitionFiles([obj.key]));
    }
  }

  const stagingRoot = path.join(lake.workDir, '_staging');
  for (const runId of await fs.readdir(stagingRoot).catch(() => [] as string[])) {
    const dir = path.join(stagingRoot, runId);
    const stat = await fs.stat(dir);
    if (now - stat.mtimeMs < grace) continue;
    orphans.push({ kind: 'staging', location: dir, bytes: await du(dir), ageMs: now - stat.mtimeMs });
    removers.push(() => fs.rm(dir, { recursive: true, force: true }));
  }

  if (!dryRun) for (const remove of removers) await remove();
  return { dryRun, orphans, deletedBytes: dryRun ? 0 : orphans.reduce((s, x) => s + x.bytes, 0) };
}

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await du(p) : (await fs.stat(p)).size;
  }
  return total;
}

async function removeEmptyDirs(dir: string): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return;
  for (const e of entries) if (e.isDirectory()) await removeEmptyDirs(path.join(dir, e.name));
  await fs.rmdir(dir).catch(() => undefined);
}
