import path from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import { copyPipelined } from './copy-in.js';
import { WarehouseError } from './errors.js';
import { withFactConstraintsDeferred } from './fact-bulk-mode.js';
import { FACT_COPY_COLUMNS, type FactRows } from './fact-keys.js';
import { APPLY_FACT_DIFF_SQL, diffFactSql, STAGE_FACT_SQL } from './star-sql.js';
import type { StatementRunner } from './statement-runner.js';

/**
 * How fact_sales was brought up to date: filled (empty table), with its indexes and foreign keys dropped and
 * rebuilt (`bulk`), row by row, or not at all. Tests and the run summary read it.
 */
export type FactMode = 'fill-bulk' | 'fill' | 'bulk' | 'row-by-row' | 'unchanged';

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
 * Brings fact_sales to "one row per silver line" from the keyed fact rows (fact-keys.ts), COPYed in slices
 * pipelined with DuckDB writing them. An empty table is filled by those COPYs; otherwise the rows are COPYed to
 * a temp table, diffed against fact_sales in one join, and only the differences are applied. Large changes run
 * with indexes and foreign keys rebuilt afterwards (fact-bulk-mode.ts), small ones row by row.
 */
export const mergeFacts = async (
  client: pg.PoolClient,
  runner: StatementRunner,
  facts: FactRows,
  workDir: string,
  silverRows: number,
  logger: Logger,
  /** The staged rows are the lines of the dates in pg_temp.load_scope only (an incremental load). */
  scoped = false,
): Promise<FactMode> => {
  const timed = (name: string, ms: number): void => logger.debug({ rebuilt: name, ms }, 'warehouse sql');
  const copy = async (table: string): Promise<number> => {
    const started = Date.now();
    const files = Array.from({ length: facts.slices }, (_, i) => path.join(workDir, `fact_sales.${i}.csv`));
    const rows = await copyPipelined(client, table, FACT_COPY_COLUMNS, files, facts.write);
    timed(`copy ${table}`, Date.now() - started);
    return rows;
  };
  // Whether the table is empty, without counting it: a count reads every row of a large fact table.
  const empty = (await client.query('SELECT 1 FROM fact_sales LIMIT 1')).rowCount === 0;
  if (empty) {
    const fill = async (): Promise<void> => {
      runner.counts.fact_inserted += await copy('fact_sales');
    };
    const bulk = silverRows >= BULK_MIN_ROWS;
    if (bulk) await withFactConstraintsDeferred(client, 'fact_sales', fill, { timings: timed });
    else await fill();
    checkResolved(runner.counts.fact_inserted, silverRows);
    return bulk ? 'fill-bulk' : 'fill';
  }
  await runner.run(STAGE_FACT_SQL);
  checkResolved(await copy('pg_temp.stage_fact'), silverRows);
  await runner.run(diffFactSql(scoped));
  const { rows } = await client.query<{ kind: string; n: string }>(
    'SELECT kind, count(*) AS n FROM fact_diff GROUP BY kind',
  );
  const diff = Object.fromEntries(rows.map((row) => [row.kind, Number(row.n)]));
  const newRows = diff.i ?? 0;
  if (rows.length === 0) {
    logger.debug('fact rows unchanged');
    return 'unchanged';
  }
  await client.query('ANALYZE pg_temp.fact_diff');
  // Counted only when the change is large enough for the bulk mode to be worth considering.
  const existing =
    newRows >= BULK_MIN_ROWS ? await countOf(client, 'SELECT count(*) AS n FROM fact_sales') : undefined;
  const bulk = existing !== undefined && newRows * 6 > existing + newRows;
  logger.debug({ newRows, diff, existing, bulk }, 'fact merge mode');
  if (bulk)
    await withFactConstraintsDeferred(client, 'fact_sales', () => runner.run(APPLY_FACT_DIFF_SQL), {
      timings: timed,
    });
  else await runner.run(APPLY_FACT_DIFF_SQL);
  return bulk ? 'bulk' : 'row-by-row';
};
