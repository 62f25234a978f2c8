import type pg from 'pg';
import { quoteIdent } from '../engine/sql-quote.js';

interface SavedDefinition {
  kind: 'constraint' | 'index';
  name: string;
  definition: string;
  /** Recreation order: keys first, then plain indexes, then foreign keys (validated in one pass each). */
  rank: number;
}

/**
 * Runs `action` with the fact table's keys, indexes and foreign keys removed, then recreates them exactly as the
 * catalog defined them. Rebuilding an index and validating a foreign key in one pass is several times faster than
 * maintaining them row by row, so large loads (the first load, big deltas) use this. Inside the load transaction,
 * so a failure restores everything; readers of the table wait for the commit instead of seeing a partial state.
 * `foreignKeysOnly` keeps keys and indexes (an upsert needs its unique index) and defers only the foreign keys.
 */
export const withFactConstraintsDeferred = async <T>(
  client: pg.PoolClient,
  table: string,
  action: () => Promise<T>,
  options: { timings?: (name: string, ms: number) => void; foreignKeysOnly?: boolean } = {},
): Promise<T> => {
  const { timings, foreignKeysOnly = false } = options;
  const { rows } = await client.query<SavedDefinition>(
    `SELECT 'constraint' AS kind, conname AS name, pg_get_constraintdef(oid) AS definition,
            CASE contype WHEN 'f' THEN 3 ELSE 1 END AS rank
     FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype IN ('p', 'u', 'f')
     UNION ALL
     SELECT 'index', c.relname, pg_get_indexdef(i.indexrelid), 2
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = to_regclass($1)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)`,
    [table],
  );
  const saved = rows
    .filter((row) => !foreignKeysOnly || (row.kind === 'constraint' && row.rank === 3))
    .sort((a, b) => b.rank - a.rank);
  for (const item of saved) {
    await client.query(
      item.kind === 'constraint'
        ? `ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(item.name)}`
        : `DROP INDEX ${quoteIdent(item.name)}`,
    );
  }
  const result = await action();
  for (const item of [...saved].sort((a, b) => a.rank - b.rank)) {
    const started = Date.now();
    await client.query(
      item.kind === 'constraint'
        ? `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(item.name)} ${item.definition}`
        : item.definition,
    );
    timings?.(item.name, Date.now() - started);
  }
  return result;
};
