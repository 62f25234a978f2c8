/**
 * Pure helpers of the partitioned layout (docs/lake-layout.md): which immutable partition files a version's meta
 * references, and which of them may go when versions are dropped. A version references a partition file by any
 * `key` string in its `_meta.json` that lies under `<layer>/<dataset>/parts/` — silver's partition map and its
 * bronze-row store, and whatever a partitioned gold keeps there — so pruning needs no knowledge of a layer's meta.
 */

/** The key prefix under which a layer keeps its partition files. */
export const partsPrefix = (layer: string, dataset: string): string => `${layer}/${dataset}/parts/`;

/** Every partition-file key a version's meta references (deduplicated, sorted). */
export function referencedKeys(meta: unknown, prefix: string): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'key' && typeof x === 'string' && x.startsWith(prefix)) out.add(x);
        else walk(x);
      }
    }
  };
  walk(meta);
  return [...out].sort();
}

/** Keys the dropped versions reference that no retained version still references: safe to delete. */
export function unreferencedKeys(dropped: unknown[], retained: unknown[], prefix: string): string[] {
  const keep = new Set(retained.flatMap((m) => referencedKeys(m, prefix)));
  return [...new Set(dropped.flatMap((m) => referencedKeys(m, prefix)))].filter((k) => !keep.has(k)).sort();
}

/**
 * The keys of one table's partition files in a version's partition map (`meta.partitions[key].tables[table]`),
 * in partition order; empty when the meta has no partition map or no partition holds the table.
 */
export function tablePartitionKeys(meta: unknown, table: string): string[] {
  const partitions = (meta as { partitions?: unknown } | undefined)?.partitions;
  if (partitions === null || typeof partitions !== 'object') return [];
  return Object.keys(partitions)
    .sort()
    .flatMap((p) => {
      const file = (partitions as Record<string, { tables?: Record<string, { key?: unknown }> }>)[p]
        ?.tables?.[table];
      return typeof file?.key === 'string' ? [file.key] : [];
    });
}
