import fs from 'node:fs/promises';
import path from 'node:path';
import { quoteLiteral } from '../engine/sql-quote.js';
import type { StepContext } from '../run/step-types.js';
import { createLinesView } from './full-gold.js';
import { goldTables, orderCountsSql, type GoldTable } from './gold-sql.js';

/**
 * engine.type spark: the full gold build, its aggregates computed by Spark from the same definitions as DuckDB's
 * (gold-sql.ts rendered through the Spark dialect). The embedded engine hands silver's lines over as one Parquet
 * file in local scratch and writes each mart Spark computed into the staged version (docs/adr/0031-spark-engine.md).
 * No per-range pre-aggregates are kept: every Spark gold run is a full build.
 */
export async function sparkGold(
  ctx: StepContext,
  files: string[],
  scratch: string,
  file: (t: GoldTable) => string,
  rows: Record<string, number>,
): Promise<void> {
  const { engine } = ctx;
  const { engine: spark, dialect: d } = ctx.compute!;
  const linesFile = path.join(scratch, 'lines.parquet');
  const dirOf = (t: GoldTable): string => path.join(scratch, t);
  const tables = goldTables(d);
  try {
    await fs.mkdir(scratch, { recursive: true });
    await createLinesView(engine, files);
    await engine.run(
      `COPY (SELECT * FROM lines) TO ${quoteLiteral(linesFile)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    await spark.run(`CREATE OR REPLACE TEMP VIEW lines AS SELECT * FROM ${d.readParquet(linesFile)}`);
    for (const sql of orderCountsSql(1, d)) await spark.run(sql);
    for (const t of Object.keys(tables) as GoldTable[]) {
      await spark.run(d.writeParquet(tables[t], dirOf(t)));
      const parts = quoteLiteral(path.join(dirOf(t), '*.parquet'));
      await engine.run(
        `COPY (SELECT * FROM read_parquet(${parts})) TO ${quoteLiteral(file(t))} (FORMAT parquet, COMPRESSION zstd)`,
      );
      const [r] = await engine.all(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(file(t))})`);
      rows[t] = Number(r?.n ?? 0);
    }
  } finally {
    // Dropping a cached temp view releases its cache too.
    for (const v of ['product_orders', 'category_orders', 'lines'])
      await spark.run(`DROP VIEW IF EXISTS ${v}`).catch(() => undefined);
    await engine.run('DROP VIEW IF EXISTS lines');
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
