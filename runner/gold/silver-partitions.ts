import { LakeError } from '../errors.js';
import type { LakeStore, LayerVersion } from '../lake/lake-store.js';
import type { SilverPartition } from '../lake/partitions.js';
import type { LinesPartition } from './incremental-gold.js';

/**
 * Silver's sales_lines files grouped by partition. The files come from `lake.tableFiles` (local paths, downloaded
 * from object storage when needed); each is matched to the partition whose meta entry names its key, so a local
 * lake and a cached copy of an S3 one are read the same way.
 */
export async function silverLinesPartitions(
  lake: LakeStore,
  silver: LayerVersion,
  partitions: Record<string, SilverPartition>,
): Promise<LinesPartition[]> {
  const files = (await lake.tableFiles('silver', silver, 'sales_lines')).map((f) => ({
    f,
    posix: f.split('\\').join('/'),
  }));
  return Object.entries(partitions)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, p]) => {
      const want = p.tables.sales_lines?.key;
      if (!want || p.tables.sales_lines?.rows === 0) return { key, salesLinesFiles: [] };
      const hit = files.find((x) => x.posix === want || x.posix.endsWith(`/${want}`));
      if (!hit) {
        throw new LakeError(
          `silver version ${silver.version}: the file of partition ${key} (${want}) is missing`,
          {
            hint: 'The lake is incomplete (a partition file was deleted by hand?); run with --full-refresh.',
          },
        );
      }
      return { key, salesLinesFiles: [hit.f] };
    });
}
