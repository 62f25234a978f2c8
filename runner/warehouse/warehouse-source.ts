import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { GOLD_TABLES } from '../gold/gold-sql.js';
import type { LakeStore, LayerVersion } from '../lake/lake-store.js';
import type { SilverPartition } from '../lake/partitions.js';
import { createPreaggStore, type PreaggStore } from './preagg-store.js';

/** A gold table: the mart `mart_<name>` is loaded from its Parquet files. */
export interface GoldTableFiles {
  name: string;
  files: string[];
}

/**
 * What one load reads: local Parquet paths of each silver and gold table (lake.tableFiles: a partitioned table is
 * many files, an empty one none) and the silver version's identity and partition map, which decide between a full
 * and an incremental load.
 */
export interface WarehouseSource {
  silver: {
    version?: string;
    /** Absent for an unpartitioned silver (an older lake): the load is then full. */
    partitions?: Record<string, SilverPartition>;
    /**
     * Local paths of partition files by their lake keys (the partition map's `key`s), materialised on demand: an
     * incremental load reads only the changed days. Required with `partitions`.
     */
    partitionFiles?: (keys: string[]) => Promise<string[]>;
    /** Unpartitioned silver: the table's files. A partitioned source may leave them empty (read by key instead). */
    salesLines: string[];
    quarantine: string[];
    countries: string[];
  };
  gold: GoldTableFiles[];
  /**
   * Where the dimension pre-aggregates of a partitioned silver are kept between loads (ADR 0026); without one
   * they are rebuilt from all of silver by every load, in its scratch directory.
   */
  preaggs?: PreaggStore;
}

/** The lake prefix of the warehouse's dimension pre-aggregates (beside the layers, outside their pruning). */
export const preaggPrefix = (dataset: string): string => `warehouse/${dataset}/dim-preaggs`;

const partitionsOf = (meta: unknown): Record<string, SilverPartition> | undefined => {
  const partitions = (meta as { partitions?: unknown } | undefined)?.partitions;
  return partitions && typeof partitions === 'object'
    ? (partitions as Record<string, SilverPartition>)
    : undefined;
};

/** The published silver and gold versions of a lake, every table through lake.tableFiles. */
export const sourceFromLake = async (
  lake: LakeStore,
  silver: LayerVersion,
  gold: LayerVersion,
): Promise<WarehouseSource> => {
  const rows = (gold.meta as { rows?: Record<string, number> }).rows;
  const goldNames = [...new Set([...Object.keys(rows ?? {}), ...Object.keys(GOLD_TABLES)])].sort();
  const gf = await Promise.all(
    goldNames.map(async (name) => ({ name, files: await lake.tableFiles('gold', gold, name) })),
  );
  const partitions = partitionsOf(silver.meta);
  // A partitioned silver is read by partition key, so an incremental load downloads only the changed days.
  const whole = async (table: string): Promise<string[]> =>
    partitions ? [] : lake.tableFiles('silver', silver, table);
  return {
    silver: {
      version: silver.version,
      ...(partitions ? { partitions, partitionFiles: (keys: string[]) => lake.partitionFiles(keys) } : {}),
      salesLines: await whole('sales_lines'),
      quarantine: await whole('quarantine'),
      countries: await lake.tableFiles('silver', silver, 'countries'),
    },
    gold: gf.filter((table) => table.files.length > 0),
    preaggs: createPreaggStore({
      storage: lake.storage,
      prefix: preaggPrefix(lake.dataset),
      cacheDir: path.join(lake.workDir, '_cache', 'lake'),
    }),
  };
};

const existing = async (file: string): Promise<string[]> =>
  (await stat(file).catch(() => undefined)) ? [file] : [];

/**
 * Unpartitioned version directories (`sales_lines.parquet`, …; every `*.parquet` of the gold directory is a
 * mart), for tests and benchmarks that build their own inputs. `partitions` makes them a partitioned version.
 */
export const sourceFromDirs = async (
  silverDir: string,
  goldDir: string,
  silver: { version?: string; partitions?: Record<string, SilverPartition>; salesLines?: string[] } = {},
): Promise<WarehouseSource> => {
  const names = (await readdir(goldDir).catch(() => [] as string[]))
    .filter((name) => name.endsWith('.parquet'))
    .sort();
  return {
    silver: {
      ...(silver.version ? { version: silver.version } : {}),
      ...(silver.partitions ? { partitions: silver.partitions } : {}),
      salesLines: silver.salesLines ?? (await existing(path.join(silverDir, 'sales_lines.parquet'))),
      quarantine: await existing(path.join(silverDir, 'quarantine.parquet')),
      countries: await existing(path.join(silverDir, 'countries.parquet')),
    },
    gold: names.map((name) => ({
      name: path.basename(name, '.parquet'),
      files: [path.join(goldDir, name)],
    })),
  };
};
