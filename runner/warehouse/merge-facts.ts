import type pg from 'pg';
import type { Logger } from 'pino';
import { copyCsvFile } from './copy-in.js';
import { WarehouseError } from './errors.js';
import { withFactConstraintsDeferred } from './fact-bulk-mode.js';
import { FACT_COPY_COLUMNS } from './fact-keys.js';
import { MERGE_FACT_SQL, STAGE_FACT_SQL } from './star-sql.js';
import type { StatementRunner } from './statement-runner.js';

/** Below this many new fact rows the merge maintains indexes and foreign keys row by row. */
const BULK_MIN_ROWS = 10_000;

const countOf = async (client: pg.PoolClient, sql: string): Promise<number> =>
  Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0);

const checkResolved = (resolved: number, silverRows: number): void => {
  if (resolved !== silverRows) {
    throw new WarehouseError(
      'WAREHOUSE_LOAD',
      `resolving dimension keys kept ${resolved} of ${silverRows} silver lines`,
    );
  }
};

/**
 * Brings fact_sales to "one row per silver line" from the keyed fact CSV (fact-keys.ts). An empty table is
 * filled by one COPY; otherwise the rows are COPYed to a temp table and merged by row_hash. Large changes run
 * with indexes and foreign keys rebuilt afterwards (fact-bulk-mode.ts), small ones row by row.
 */
export const mergeFacts = async (
  client: pg.PoolClient,
  runner: StatementRunner,
  factCsv: string,
  silverRows: number,
  logger: Logger,
): Promise<void> => {
  const rebuilt = (name: string, ms: number): void => logger.debug({ rebuilt: name, ms }, 'warehouse sql');
  const existing = await countOf(client, 'SELECT count(*) AS n FROM fact_sales');
  if (existing === 0) {
    const copy = async (): Promise<void> => {
      runner.counts.fact_inserted += await copyCsvFile(client, 'fact_sales', FACT_COPY_COLUMNS, factCsv);
    };
    if (silverRows >= BULK_MIN_ROWS) await withFactConstraintsDeferred(client, 'fact_sales', copy, rebuilt);
    else await copy();
    checkResolved(runner.counts.fact_inserted, silverRows);
    return;
  }
  await runner.run(STAGE_FACT_SQL);
  checkResolved(await copyCsvFile(client, 'pg_temp.stage_fact', FACT_COPY_COLUMNS, factCsv), silverRows);
  await client.query('ANALYZE pg_temp.stage_fact');
  const newRows = await countOf(
    client,
    `SELECT count(*) AS n FROM stage_fact s WHERE NOT EXISTS (SELECT 1 FROM fact_sales f WHERE f.row_hash = s.row_hash)`,
  );
  const bulk = newRows >= BULK_MIN_ROWS && newRows * 6 > existing + newRows;
  logger.debug({ newRows, existing, bulk }, 'fact merge mode');
  if (bulk)
    await withFactConstraintsDeferred(client, 'fact_sales', () => runner.run(MERGE_FACT_SQL), rebuilt);
  else await runner.run(MERGE_FACT_SQL);
};
