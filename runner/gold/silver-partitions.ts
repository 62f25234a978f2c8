import fs from 'node:fs/promises';
import { LakeError } from '../errors.js';
import type { LakeStore } from '../lake/lake-store.js';
import type { SilverPartition } from '../lake/partitions.js';
import type { LinesPartition } from './incremental-gold.js';

/**
 * Silver's sales_lines by partition, as storage keys from the version's partition map. Gold resolves (downloads,
 * on object storage) only the partitions it recomputes, not the whole history (`resolveLakeFiles`).
 */
export function silverLinesPartitions(partitions: Record<string, SilverPartition>): LinesPartition[] {
  return Object.entries(partitions)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, p]) => {
      const file = p.tables.sales_lines;
      return { key, salesLinesFiles: file && file.rows !== 0 ? [file.key] : [] };
    });
}

/** Local paths of lake files (silver partitions, gold pre-aggregates); a missing one is a damaged lake. */
export async function resolveLakeFiles(lake: LakeStore, keys: string[]): Promise<string[]> {
  const local = await lake.partitionFiles(keys);
  const missing = (
    await Promise.all(
      local.map(async (f, i) => ((await fs.stat(f).catch(() => undefined)) ? [] : [keys[i]!])),
    )
  ).flat();
  if (missing.length > 0) {
    throw new LakeError(`gold: ${missing.length} lake file(s) are missing, e.g. ${missing[0]}`, {
      hint: 'The lake is incomplete (a partition file was deleted by hand?); run with --full-refresh.',
    });
  }
  return local;
}
