import type pg from 'pg';
import { checkRowsParams, replaceCheckRowsSql, type CheckHistoryRow } from './check-rows.js';

/** Replaces one run's rows in `run_check_results`, in one transaction (500 rows per statement, far below 65,535). */
export async function recordCheckRows(
  pool: pg.Pool,
  schema: string,
  runId: string,
  rows: readonly CheckHistoryRow[],
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(replaceCheckRowsSql(schema, 0).remove, [runId]);
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await client.query(replaceCheckRowsSql(schema, chunk.length).insert!, checkRowsParams(chunk));
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
