import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listObjectSourceFiles } from '../../runner/bronze/object-source-files.js';
import { SourceError } from '../../runner/errors.js';
import { createLakeStore } from '../../runner/lake/lake-store.js';
import { createLocalStorage } from '../../runner/storage/local-storage.js';
import type { Storage } from '../../runner/storage/storage.js';
import type { PipelineObject, PipelineScheduleObject } from '../core/resources.js';
import type { StepS3Defaults } from '../run/step-job.js';
import type { ListedFile } from './decide-trigger.js';

/**
 * The trigger's thin adapter over the runner's storage: lists a Pipeline's source (a path the operator has mounted,
 * or an S3 prefix) with the same naming rules as bronze, and reads the names the lake's bronze manifest holds. Only
 * the source's own prefix is listed. The manifest is read again only when the listing shows a name not known to be
 * ingested (ingested names never leave it), so a quiet source costs one list call per poll.
 */

export interface TriggerListing {
  files: ListedFile[];
  ingested: ReadonlySet<string>;
  /** Listing cost of this poll: list calls (S3: ListObjectsV2 pages of up to 1,000 keys), objects returned. */
  listCalls: number;
  objectsListed: number;
  manifestReads: number;
}

const isS3 = (uri: string) => uri.startsWith('s3://');
const S3_PAGE = 1000;

/** Counts what a poll asks of the storage. */
function counted(storage: Storage, cost: { listCalls: number; objectsListed: number }): Storage {
  return {
    ...storage,
    uri: storage.uri,
    localPath: (k) => storage.localPath(k),
    stat: (k) => storage.stat(k),
    async list(prefix) {
      const out = await storage.list(prefix);
      const local = storage.localPath('') !== undefined;
      cost.listCalls += local ? 1 : Math.max(1, Math.ceil(out.length / S3_PAGE));
      cost.objectsListed += out.length;
      return out;
    },
  };
}

export function createTriggerSource(o: { s3Defaults?: StepS3Defaults } = {}) {
  const local = createLocalStorage({ root: '/' });
  const s3 = new Map<string, Storage>();
  /** Names known to be in each lake's manifest: lake root + dataset → names. */
  const known = new Map<string, Set<string>>();

  const objectStore = async (uri: string, spec: PipelineObject['spec']['source']['s3']) => {
    const key = `${uri}|${spec.endpoint ?? ''}|${spec.region ?? ''}`;
    let st = s3.get(key);
    if (!st) {
      // Loaded only when a Pipeline uses S3: the AWS SDK is large and most operators never need it.
      const { openStorage } = await import('../../runner/storage/open-storage.js');
      st = openStorage(uri, {
        baseDir: '/',
        spec,
        env: { endpoint: o.s3Defaults?.endpoint, region: o.s3Defaults?.region },
      });
      s3.set(key, st);
    }
    return st;
  };

  const listSource = async (
    uri: string,
    pipeline: PipelineObject,
    cost: TriggerListing,
  ): Promise<ListedFile[]> => {
    const { format, s3: s3Spec } = pipeline.spec.source;
    if (isS3(uri)) {
      const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
      const storage = counted(await objectStore(`s3://${m?.[1] ?? ''}`, s3Spec), cost);
      const files = await listObjectSourceFiles(storage, uri, m?.[2] ?? '', format).catch((e: unknown) => {
        // An empty prefix is a source whose first file has not arrived yet.
        if (e instanceof SourceError && e.code === 'SOURCE_NOT_FOUND') return [];
        throw e;
      });
      return files.map((f) => ({ name: f.name, size: f.remote!.size, etag: f.remote!.etag }));
    }
    const abs = uri.startsWith('file://') ? fileURLToPath(uri) : uri;
    if (!path.isAbsolute(abs)) {
      throw new SourceError('SOURCE_NOT_FOUND', `the trigger needs an absolute source path, not "${uri}"`, {
        hint: 'Set spec.source.uri to the path the source volume is mounted at (in step Pods and in the operator).',
      });
    }
    const storage = counted(local, cost);
    const files = await listObjectSourceFiles(storage, uri, abs.slice(1), format).catch(
      async (e: unknown) => {
        // An existing, empty directory is quiet; a missing one is a volume the operator has not mounted.
        if (e instanceof SourceError && e.code === 'SOURCE_NOT_FOUND' && (await isDir(abs))) return [];
        throw e;
      },
    );
    return files.map((f) => ({ name: f.name, size: f.remote!.size, etag: f.remote!.etag }));
  };

  const readIngested = async (pipeline: PipelineObject, names: ListedFile[], cost: TriggerListing) => {
    const { lake, source, job } = pipeline.spec;
    // A local lake is the steps' lake volume, which the operator mounts at the same path; without one the steps
    // share no lake (emptyDir) and there is no manifest to read: the claims alone keep files from running twice.
    const root = isS3(lake.uri) ? lake.uri : job?.lakeVolume?.mountPath;
    if (!root) return new Set<string>();
    const id = `${root}|${source.dataset}`;
    const have = known.get(id) ?? new Set<string>();
    if (names.every((f) => have.has(f.name))) return have;
    const store = isS3(root)
      ? createLakeStore({ root, dataset: source.dataset, storage: await objectStore(root, lake.s3) })
      : createLakeStore({ root, dataset: source.dataset });
    cost.manifestReads++;
    const manifest = await store.readManifest();
    const now = new Set(manifest.files.map((e) => e.file));
    known.set(id, now);
    return now;
  };

  return {
    async list(schedule: PipelineScheduleObject, pipeline: PipelineObject): Promise<TriggerListing> {
      const uri = schedule.spec.runOverrides.parameters.sourceUri ?? pipeline.spec.source.uri;
      const cost: TriggerListing = {
        files: [],
        ingested: new Set(),
        listCalls: 0,
        objectsListed: 0,
        manifestReads: 0,
      };
      cost.files = await listSource(uri, pipeline, cost);
      cost.ingested = await readIngested(pipeline, cost.files, cost);
      return cost;
    },
  };
}

const isDir = (p: string) =>
  fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
