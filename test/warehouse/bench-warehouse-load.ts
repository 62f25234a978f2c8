/**
 * Warehouse load throughput next to its floor, in one process against one PostgreSQL:
 *   floor  = DuckDB export of silver sales_lines to CSV + a bare COPY of those rows into a plain table;
 *   load   = runWarehouseStep into an empty schema (first full load), then the same run again (no-op re-run).
 * Usage: npx tsx test/warehouse/bench-warehouse-load.ts <silverDir> <goldDir> [DATABASE_URL]
 * Without a URL an embedded PostgreSQL is started in a scratch directory. Prints one JSON line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WarehouseSpecSchema } from '../../runner/spec/warehouse-spec.js';
import { copyCsvFile } from '../../runner/warehouse/copy-in.js';
import { openParquetSource } from '../../runner/warehouse/parquet-source.js';
import {
  planSilverExport,
  readParquetSql,
  STAGE_COLUMNS,
  STAGE_COLUMN_NAMES,
} from '../../runner/warehouse/silver-input.js';
import { sourceFromDirs } from '../../runner/warehouse/warehouse-source.js';
import { runWarehouseStep } from '../../runner/warehouse/warehouse-step.js';
import { startTestPostgres, testLogger } from './helpers/test-postgres.js';

const [silverDir, goldDir, url] = process.argv.slice(2);
if (!silverDir || !goldDir)
  throw new Error('usage: bench-warehouse-load.ts <silverDir> <goldDir> [DATABASE_URL]');
if (url) process.env.WAREHOUSE_TEST_DATABASE_URL = url;
const db = await startTestPostgres();
const pool = db.pool();
const work = await mkdtemp(path.join(tmpdir(), 'wh-bench-'));
const time = async <T>(action: () => Promise<T>): Promise<[number, T]> => {
  const started = performance.now();
  const value = await action();
  return [Math.round(performance.now() - started), value];
};
try {
  const file = path.join(silverDir, 'sales_lines.parquet');
  const csv = path.join(work, 'floor.csv');
  const [exportMs, rows] = await time(async () => {
    const source = await openParquetSource();
    try {
      await source.exportCsv(
        planSilverExport([file], await source.columns(readParquetSql([file]))).selectSql,
        csv,
      );
    } finally {
      source.close();
    }
  });
  const client = await pool.connect();
  const columns = Object.entries(STAGE_COLUMNS).map(([name, type]) => `${name} ${type}`);
  await client.query(
    `DROP TABLE IF EXISTS public.bench_floor; CREATE TABLE public.bench_floor (${columns.join(', ')})`,
  );
  const [copyMs, copied] = await time(() =>
    copyCsvFile(client, 'public.bench_floor', STAGE_COLUMN_NAMES, csv),
  );
  await client.query('DROP TABLE public.bench_floor');
  client.release();
  void rows;
  const schema = `bench_${Date.now()}`;
  const spec = WarehouseSpecSchema.parse({ schema });
  const source = await sourceFromDirs(silverDir, goldDir);
  const run = (runId: string) =>
    runWarehouseStep({ source, runId, spec, connect: db.connect, logger: testLogger });
  const [firstMs, first] = await time(() => run('bench-1'));
  const [rerunMs, rerun] = await time(() => run('bench-1'));
  const { rows: tables } = await pool.query<{ table: string; n: string }>(
    `SELECT 'dim_date' AS table, count(*) AS n FROM ${schema}.dim_date UNION ALL
     SELECT 'dim_country', count(*) FROM ${schema}.dim_country UNION ALL
     SELECT 'dim_product', count(*) FROM ${schema}.dim_product UNION ALL
     SELECT 'dim_invoice', count(*) FROM ${schema}.dim_invoice UNION ALL
     SELECT 'dim_customer', count(*) FROM ${schema}.dim_customer UNION ALL
     SELECT 'customers_with_versions', count(DISTINCT customer_id) FROM ${schema}.dim_customer WHERE version > 1
     UNION ALL SELECT 'fact_sales', count(*) FROM ${schema}.fact_sales UNION ALL
     SELECT 'unknown_customer_lines', count(*) FROM ${schema}.fact_sales WHERE customer_key = 0`,
  );
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  const floorMs = exportMs + copyMs;
  console.log(
    JSON.stringify({
      rows: copied,
      tables: Object.fromEntries(tables.map((t) => [t.table, Number(t.n)])),
      floor: { exportMs, copyMs, totalMs: floorMs, rowsPerSec: Math.round((copied / floorMs) * 1000) },
      firstLoad: {
        ms: firstMs,
        status: first.status,
        timings: first.load?.timings,
        ratioToFloor: +(firstMs / floorMs).toFixed(2),
      },
      rerun: {
        ms: rerunMs,
        status: rerun.status,
        timings: rerun.load?.timings,
        ratioToFloor: +(rerunMs / floorMs).toFixed(2),
      },
    }),
  );
} finally {
  await rm(work, { recursive: true, force: true });
  await db.stop();
}
