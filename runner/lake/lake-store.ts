import fs from 'node:fs/promises';
import path from 'node:path';
import { LakeError } from '../errors.js';

export type Layer = 'silver' | 'gold';

interface LayerVersion<M = Record<string, unknown>> {
  version: string;
  dir: string;
  meta: M;
}

export interface ManifestEntry {
  /** Name relative to the source root (see source-files.ts). */
  file: string;
  size: number;
  sha256: string;
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

const readJson = async <T>(file: string): Promise<T | undefined> => {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LakeError(`cannot read ${file}: ${(e as Error).message}`, {
      cause: e,
      hint: 'The lake metadata is damaged; restore it from a backup or start a new lake directory.',
    });
  }
};

export interface LakeStore {
  root: string;
  dataset: string;
  bronzeDir: string;
  stagingDir(runId: string, step: string): Promise<string>;
  discardStaging(runId: string, step: string): Promise<void>;
  tempDir(): string;
  readManifest(): Promise<BronzeManifest>;
  /** Moves the staged part into place, then swaps the manifest: the part is invisible until then. */
  publishBronze(stagedPart: string | undefined, partName: string, manifest: BronzeManifest): Promise<void>;
  current<M>(layer: Layer): Promise<LayerVersion<M> | undefined>;
  versions(layer: Layer): Promise<string[]>;
  version<M>(layer: Layer, version: string): Promise<LayerVersion<M> | undefined>;
  /** Renames the staged directory to a new version and flips CURRENT; prunes versions beyond `retain`. */
  publishLayer(
    layer: Layer,
    version: string,
    stagedDir: string,
    meta: object,
    retain: number,
  ): Promise<string>;
  runDir(runId: string): string;
  lineageDir(runId: string): string;
}

export function createLakeStore(options: { root: string; dataset: string }): LakeStore {
  const { root, dataset } = options;
  const layerDir = (layer: Layer): string => path.join(root, layer, dataset);
  const bronzeDir = path.join(root, 'bronze', dataset);
  const stagingPath = (runId: string, step: string): string => path.join(root, '_staging', runId, step);

  const version = async <M>(layer: Layer, v: string): Promise<LayerVersion<M> | undefined> => {
    const dir = path.join(layerDir(layer), 'versions', v);
    const meta = await readJson<M>(path.join(dir, '_meta.json'));
    return meta === undefined ? undefined : { version: v, dir, meta };
  };

  const versions = async (layer: Layer): Promise<string[]> => {
    const entries = await fs.readdir(path.join(layerDir(layer), 'versions')).catch(() => [] as string[]);
    return entries.filter((e) => !e.startsWith('.')).sort();
  };

  return {
    root,
    dataset,
    bronzeDir,
    async stagingDir(runId, step) {
      const dir = stagingPath(runId, step);
      await fs.rm(dir, { recursive: true, force: true });
      await fs.mkdir(dir, { recursive: true });
      return dir;
    },
    async discardStaging(runId, step) {
      await fs.rm(stagingPath(runId, step), { recursive: true, force: true });
      await fs.rmdir(path.join(root, '_staging', runId)).catch(() => undefined);
    },
    tempDir: () => path.join(root, '_tmp'),
    async readManifest() {
      const m = await readJson<BronzeManifest>(path.join(bronzeDir, 'manifest.json'));
      return m ?? { dataset, version: 0, updatedAt: new Date(0).toISOString(), files: [] };
    },
    async publishBronze(stagedPart, partName, manifest) {
      if (stagedPart) {
        await fs.mkdir(path.join(bronzeDir, 'parts'), { recursive: true });
        await fs.rename(stagedPart, path.join(bronzeDir, partName));
      }
      await writeFileAtomic(path.join(bronzeDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    },
    async current<M>(layer: Layer) {
      const pointer = await readJson<{ version: string }>(path.join(layerDir(layer), 'CURRENT'));
      return pointer ? version<M>(layer, pointer.version) : undefined;
    },
    versions,
    version,
    async publishLayer(layer, v, stagedDir, meta, retain) {
      const target = path.join(layerDir(layer), 'versions', v);
      await fs.writeFile(path.join(stagedDir, '_meta.json'), JSON.stringify(meta, null, 2) + '\n');
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rm(target, { recursive: true, force: true });
      await fs.rename(stagedDir, target);
      await writeFileAtomic(
        path.join(layerDir(layer), 'CURRENT'),
        JSON.stringify({ version: v, publishedAt: new Date().toISOString() }) + '\n',
      );
      const all = await versions(layer);
      for (const old of all.slice(0, Math.max(0, all.length - retain))) {
        if (old !== v)
          await fs.rm(path.join(layerDir(layer), 'versions', old), { recursive: true, force: true });
      }
      return target;
    },
    runDir: (runId) => path.join(root, '_runs', runId),
    lineageDir: (runId) => path.join(root, '_lineage', runId),
  };
}
