import type pg from 'pg';
import type { Logger } from 'pino';
import type { StatementSpec } from './star-sql.js';

interface ChangeCounts {
  dimension: number;
  fact_inserted: number;
  fact_updated: number;
  fact_deleted: number;
}

export interface StatementRunner {
  run(statements: readonly StatementSpec[]): Promise<void>;
  counts: ChangeCounts;
}

/** Executes statements in order (binding $1 to the run id), timing each and adding up the changed rows. */
export const createStatementRunner = (
  client: pg.PoolClient,
  runId: string,
  logger: Logger,
): StatementRunner => {
  const counts: ChangeCounts = { dimension: 0, fact_inserted: 0, fact_updated: 0, fact_deleted: 0 };
  const run = async (statements: readonly StatementSpec[]): Promise<void> => {
    for (const statement of statements) {
      const started = Date.now();
      const result = await client.query(statement.sql, statement.sql.includes('$1') ? [runId] : undefined);
      if (statement.countsAs) counts[statement.countsAs] += result.rowCount ?? 0;
      logger.debug(
        { statement: statement.name, rows: result.rowCount, ms: Date.now() - started },
        'warehouse sql',
      );
    }
  };
  return { run, counts };
};
