import type { SilverCounts } from '../quality/assess-quality.js';
import type { ManifestEntry } from '../lake/lake-store.js';
import type { PartitionFile, SilverPartition, SilverPartitionedTable } from '../lake/partitions.js';
import { LINE_TYPES } from './silver-rules.js';

/**
 * Pure planning of an incremental silver run (docs/silver.md, "Incremental runs"): which bronze files are new,
 * which partitions they and the files they replace touch, and the partition map of the next version.
 */

/** What silver keeps per partition besides its output files: its source rows and its counts. */
export interface PartitionState {
  /** The partition's source rows (mapped raw fields + lineage), reread when the partition is recomputed. */
  rows: PartitionFile;
  counts: SilverCounts;
  /** Distinct countries of the partition's silver lines: the enrichment's input without rereading the lines. */
  countries: string[];
}

/** Which partitions each bronze file's rows fell in, under the checksum silver read it with. */
export type FileIndex = Record<string, { sha256: string; partitions: string[] }>;

export interface IncrementPlan {
  /** Manifest entries whose (file, checksum) the previous version did not include. */
  added: ManifestEntry[];
  /** Partitions that held rows of files that were re-ingested with a new checksum or are gone. */
  removedFrom: string[];
}

/** Compares the manifest with the file index of the previous version; no index plans a full rebuild. */
export function planIncrement(index: FileIndex | undefined, files: ManifestEntry[]): IncrementPlan {
  if (!index) return { added: files, removedFrom: [] };
  const current = new Map(files.map((f) => [f.file, f.sha256]));
  const added = files.filter((f) => index[f.file]?.sha256 !== f.sha256);
  const removedFrom = Object.entries(index)
    .filter(([file, e]) => current.get(file) !== e.sha256)
    .flatMap(([, e]) => e.partitions);
  return { added, removedFrom: [...new Set(removedFrom)].sort() };
}

/** The next file index: the previous one with the added files' (possibly new) partitions, minus vanished files. */
export function nextFileIndex(
  index: FileIndex | undefined,
  files: ManifestEntry[],
  addedPartitions: Map<string, string[]>,
): FileIndex {
  const out: FileIndex = {};
  for (const f of files) {
    const fresh = addedPartitions.get(`${f.file}\u0000${f.sha256}`);
    const prev = index?.[f.file];
    if (prev && prev.sha256 === f.sha256 && !fresh) out[f.file] = prev;
    else out[f.file] = { sha256: f.sha256, partitions: [...(fresh ?? [])].sort() };
  }
  return out;
}

export interface RebuiltPartition {
  key: string;
  tables: Partial<Record<SilverPartitionedTable | '_rows', PartitionFile>>;
  counts: SilverCounts;
  countries: string[];
}

/**
 * The next version's partition map: untouched partitions keep the previous version's files (shared), touched ones
 * take what this run rebuilt, and a touched partition that has no rows left disappears.
 */
export function nextPartitionMap(
  prev: { partitions: Record<string, SilverPartition>; state: Record<string, PartitionState> } | undefined,
  touched: string[],
  rebuilt: RebuiltPartition[],
  runId: string,
): { partitions: Record<string, SilverPartition>; state: Record<string, PartitionState> } {
  const t = new Set(touched);
  const partitions: Record<string, SilverPartition> = {};
  const state: Record<string, PartitionState> = {};
  for (const [k, p] of Object.entries(prev?.partitions ?? {})) {
    if (t.has(k) || !prev?.state[k]) continue;
    partitions[k] = p;
    state[k] = prev.state[k];
  }
  for (const r of rebuilt) {
    const { _rows, ...tables } = r.tables;
    if (!_rows) throw new Error(`silver: rebuilt partition ${r.key} has no row store`);
    partitions[r.key] = { builtBy: runId, tables };
    state[r.key] = { rows: _rows, counts: r.counts, countries: r.countries };
  }
  const sorted = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]!]),
    );
  return { partitions: sorted(partitions), state: sorted(state) };
}

/** Whole-history counts: the sum of the partitions' counts. */
export function sumCounts(all: SilverCounts[]): SilverCounts {
  const add = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => {
    const out = { ...a };
    for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  const sortKeys = (o: Record<string, number>): Record<string, number> =>
    Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]!]),
    );
  const total = all.reduce<SilverCounts>(
    (s, c) => ({
      bronzeRows: s.bronzeRows + c.bronzeRows,
      duplicates: s.duplicates + c.duplicates,
      silverRows: s.silverRows + c.silverRows,
      quarantined: s.quarantined + c.quarantined,
      quarantineByRule: add(s.quarantineByRule, c.quarantineByRule),
      lineTypes: add(s.lineTypes, c.lineTypes),
      filledFields: s.filledFields + c.filledFields,
    }),
    {
      bronzeRows: 0,
      duplicates: 0,
      silverRows: 0,
      quarantined: 0,
      quarantineByRule: {},
      lineTypes: Object.fromEntries(LINE_TYPES.map((t) => [t, 0])),
      filledFields: 0,
    },
  );
  return { ...total, quarantineByRule: sortKeys(total.quarantineByRule) };
}
