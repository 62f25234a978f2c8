/**
 * An incremental warehouse load next to a full one, in one process against one PostgreSQL (ADR 0023):
 *   the silver sales_lines of <silverDir> is split into business-date partitions; every day but the last is
 *   loaded (full), then the version with the last day added is loaded incrementally into the same schema and in
 *   full into an empty one. Prints one JSON line with both times, their ratio and the phase timings.
 * Usage: npx tsx test/warehouse/bench-incremental-load.ts <silverDir> <goldDir> [DATABASE_URL]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WarehouseSpecSchema } from '../../runner/spec/warehouse-spec.js';
import type { WarehouseSource } from '../../runner/warehouse/warehouse-source.js';
import { runWarehouseStep } from '../../runner/warehouse/warehouse-step.js';
import { createPartitionedSilver } from './helpers/partitioned-silver.js';
import { startTestPostgres, testLogger } from './helpers/test-postgres.js';

const [silverDir, goldDir, url] = process.argv.slice(2);
if (!silverDir || !goldDir)
  throw new Error('usage: bench-incremental-load.ts <silverDir> <goldDir> [DATABASE_URL]');
if (url) process.env.WAREHOUSE_TEST_DATABASE_URL = url;
const db = await startTestPostgres();
const pool = db.pool();
const work = await mkdtemp(path.join(tmpdir(), 'medallion-bench-incr-'));
const silver = await createPartitionedSilver({ silverDir, goldDir, outDir: work });
const time = async <T>(action: () => Promise<T>): Promise<[number, T]> => {
  const started = performance.now();
  const value = await action();
  return [Math.round(performance.now() - started), value];
};
try {
  const [last] = await silver.query(`SELECT strftime(max(business_date), '%Y-%m-%d') AS d FROM lines`);
  const day = String(last?.d);
  const stamp = Date.now();
  const run = (schema: string, source: WarehouseSource, runId: string) =>
    runWarehouseStep({
      source,
      runId,
      spec: WarehouseSpecSchema.parse({ schema }),
      connect: db.connect,
      logger: testLogger,
    });
  const before = await silver.publish('v1', `SELECT * FROM lines WHERE business_date < DATE '${day}'`);
  await run(`bench_incr_${stamp}`, before.source, 'bench-1');
  const after = await silver.publish('v2', 'SELECT * FROM lines');
  const [incrementalMs, incremental] = await time(() => run(`bench_incr_${stamp}`, after.source, 'bench-2'));
  const [fullMs, full] = await time(() => run(`bench_full_${stamp}`, after.source, 'bench-full'));
  for (const schema of [`bench_incr_${stamp}`, `bench_full_${stamp}`])
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  const summary = (ms: number, r: typeof full) => ({
    ms,
    status: r.status,
    full: r.load?.full,
    factLines: r.load?.factLines,
    factMode: r.load?.factMode,
    timings: r.load?.timings,
  });
  console.log(
    JSON.stringify({
      silverRows: full.load?.silverRows,
      partitions: Object.keys(after.source.silver.partitions ?? {}).length,
      newDay: day,
      incremental: { ...summary(incrementalMs, incremental), error: incremental.error },
      full: summary(fullMs, full),
      ratio: +(incrementalMs / fullMs).toFixed(3),
    }),
  );
} finally {
  silver.close();
  await db.stop();
  await rm(work, { recursive: true, force: true });
}
