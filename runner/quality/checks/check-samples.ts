import fs from 'node:fs';
import { joinKey, type Storage } from '../../storage/storage.js';

/**
 * Samples of failing rows live at `_quality/<dataset>/samples/<runId>/<layer>-<check>.parquet`. They are kept for
 * the runs of the last `retain` (spec.lake.retainVersions) that wrote any, failed runs included: a failed run is
 * the one whose sample people open.
 */
const prefix = (dataset: string): string => joinKey('_quality', dataset, 'samples') + '/';

export const sampleKey = (dataset: string, runId: string, layer: string, check: string): string =>
  `${prefix(dataset)}${runId}/${layer}-${check}.parquet`;

export async function storeSample(storage: Storage, key: string, local: string): Promise<void> {
  await storage.put(key, fs.createReadStream(local));
}

/** Deletes the samples of all but the newest `retain` runs; returns how many objects went. */
export async function pruneSamples(storage: Storage, dataset: string, retain: number): Promise<number> {
  const objects = await storage.list(prefix(dataset));
  const runs = [...new Set(objects.map((o) => o.key.slice(prefix(dataset).length).split('/')[0]!))].sort();
  const keep = new Set(runs.slice(-retain));
  const doomed = objects.filter((o) => !keep.has(o.key.slice(prefix(dataset).length).split('/')[0]!));
  for (const o of doomed) await storage.delete(o.key);
  return doomed.length;
}
