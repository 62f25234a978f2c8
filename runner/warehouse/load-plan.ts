import {
  changedPartitions,
  UNKNOWN_PARTITION,
  type SilverPartition,
  type TouchedPartitions,
} from '../lake/partitions.js';

/** What the warehouse remembers of the silver it last loaded (table warehouse_loaded_silver). */
export interface LoadedSilver {
  runId: string;
  silverVersion: string;
  /** null: that silver had no partition map (an unpartitioned lake). */
  partitions: Record<string, SilverPartition> | null;
}

export interface LoadPlan {
  full: boolean;
  /** Why the load is full, or which partitions it loads; for logs and the run summary. */
  reason: string;
  touched: TouchedPartitions;
  /** Business dates (YYYY-MM-DD) whose facts are replaced; every date on a full load is implied, so empty. */
  dates: string[];
}

export interface PlanInput {
  loaded: LoadedSilver | undefined;
  silverVersion: string | undefined;
  partitions: Record<string, SilverPartition> | undefined;
  fullRefresh: boolean;
}

const fullPlan = (reason: string, partitions: Record<string, SilverPartition> | undefined): LoadPlan => ({
  full: true,
  reason,
  touched: { full: true, keys: Object.keys(partitions ?? {}).sort() },
  dates: [],
});

/**
 * The same map with every object's keys in one order: a map read back from a jsonb column has its keys reordered,
 * and changedPartitions compares partitions by their JSON text.
 */
export const canonicalPartitions = (
  map: Record<string, SilverPartition>,
): Record<string, SilverPartition> => {
  const sortDeep = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sortDeep)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
          )
        : value;
  return sortDeep(map) as Record<string, SilverPartition>;
};

/**
 * Pure: full load or only the partitions whose files differ from the ones last loaded. A partition is the unit of
 * exactness: silver recomputes a partition as a whole, so replacing a date's facts with the new partition's lines
 * gives exactly what a full load gives for that date.
 */
export const planLoad = (input: PlanInput): LoadPlan => {
  const { loaded, partitions } = input;
  if (input.fullRefresh) return fullPlan('full refresh requested', partitions);
  if (!partitions) return fullPlan('silver has no partition map (unpartitioned lake)', partitions);
  if (!loaded) return fullPlan('nothing loaded before', partitions);
  if (!loaded.partitions) return fullPlan('the last load recorded no partition map', partitions);
  const touched = changedPartitions(canonicalPartitions(loaded.partitions), canonicalPartitions(partitions));
  return {
    full: false,
    reason: `${touched.keys.length} changed partition(s) since silver ${loaded.silverVersion}`,
    touched,
    dates: touched.keys.filter((key) => key !== UNKNOWN_PARTITION),
  };
};

/** yyyymmdd key of dim_date for a partition key YYYY-MM-DD. */
export const dateKeyOf = (date: string): number => Number(date.replaceAll('-', ''));
