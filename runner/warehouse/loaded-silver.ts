import type pg from 'pg';
import { quoteIdent } from '../engine/sql-quote.js';
import type { SilverPartition } from '../lake/partitions.js';
import type { LoadedSilver } from './load-plan.js';

type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * What the warehouse holds (migration 5). Read once before the load to plan what DuckDB stages, and again under the
 * load's lock, where a concurrent load that committed in between is noticed. Undefined when nothing was loaded
 * (or the table is not there yet: a schema that was never migrated).
 */
export const readLoadedSilver = async (
  client: Queryable,
  schema: string,
): Promise<LoadedSilver | undefined> => {
  const { rows: present } = await client.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [
    `${quoteIdent(schema)}.warehouse_loaded_silver`,
  ]);
  if (!present[0]?.ok) return undefined;
  const { rows } = await client.query<{
    run_id: string;
    silver_version: string;
    partitions: Record<string, SilverPartition> | null;
  }>(`SELECT run_id, silver_version, partitions FROM ${quoteIdent(schema)}.warehouse_loaded_silver`);
  const row = rows[0];
  return row
    ? { runId: row.run_id, silverVersion: row.silver_version, partitions: row.partitions }
    : undefined;
};

/** Records the loaded silver inside the load transaction (search_path is the warehouse schema). */
export const writeLoadedSilver = async (client: Queryable, loaded: LoadedSilver): Promise<void> => {
  await client.query(
    `INSERT INTO warehouse_loaded_silver (singleton, run_id, silver_version, partitions) VALUES (true, $1, $2, $3)
     ON CONFLICT (singleton) DO UPDATE SET run_id = EXCLUDED.run_id, silver_version = EXCLUDED.silver_version,
       partitions = EXCLUDED.partitions, loaded_at = now()`,
    [
      loaded.runId,
      loaded.silverVersion,
      loaded.partitions === null ? null : JSON.stringify(loaded.partitions),
    ],
  );
};

/** Same state (version and partition files), so a plan made before the lock still holds under it. */
export const sameLoaded = (a: LoadedSilver | undefined, b: LoadedSilver | undefined): boolean =>
  a?.silverVersion === b?.silverVersion && JSON.stringify(a?.partitions) === JSON.stringify(b?.partitions);
