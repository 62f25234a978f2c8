import { quoteLiteral } from '../engine/sql-quote.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import type { StepContext } from '../run/step-types.js';
import { copyGoldSql, GOLD_TABLES, orderCountsSql, type GoldTable } from './gold-sql.js';
import { emptyLinesSql } from './incremental-gold.js';

/** Columns gold reads that a silver version written before enrichment lacks; they read as null. */
const ENRICHED_SILVER_COLUMNS = [
  ['amount_eur', 'DECIMAL(38,2)'],
  ['amount_usd', 'DECIMAL(38,2)'],
  ['fx_rate_date', 'DATE'],
  ['category', 'VARCHAR'],
] as const;

/** A view `lines` over silver's sales_lines `files` on the embedded engine, with columns older versions lack as null. */
export async function createLinesView(engine: SqlEngine, files: string[]): Promise<void> {
  const source =
    files.length === 0
      ? `(${emptyLinesSql()})`
      : `read_parquet([${files.map(quoteLiteral).join(', ')}], union_by_name = true)`;
  const present = new Set(
    (await engine.all(`DESCRIBE SELECT * FROM ${source}`)).map((r) => String(r.column_name)),
  );
  const missing = ENRICHED_SILVER_COLUMNS.filter(([c]) => !present.has(c)).map(
    ([c, t]) => `, NULL::${t} AS ${c}`,
  );
  // A view, not a table: each mart streams from the compressed Parquet, so nothing big is held in memory.
  await engine.run(`CREATE OR REPLACE TEMP VIEW lines AS SELECT *${missing.join('')} FROM ${source}`);
}

/** Today's full SQL (gold-sql.ts) over all of silver's lines: for a silver version not partitioned by date. */
export async function fullGold(
  ctx: StepContext,
  files: string[],
  silverRows: number,
  file: (t: GoldTable) => string,
  rows: Record<string, number>,
): Promise<void> {
  const { engine } = ctx;
  try {
    await createLinesView(engine, files);
    // About 20M lines per slice keeps the order counts well inside the default 1 GiB engine memory.
    const slices = Math.max(1, Math.ceil(silverRows / 20_000_000));
    for (const sql of orderCountsSql(slices)) await engine.run(sql);
    for (const t of Object.keys(GOLD_TABLES) as GoldTable[]) {
      await engine.run(copyGoldSql(t, file(t)));
      const [r] = await engine.all(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(file(t))})`);
      rows[t] = Number(r?.n ?? 0);
    }
  } finally {
    for (const t of ['product_order_parts', 'category_order_parts', 'product_orders', 'category_orders']) {
      await engine.run(`DROP TABLE IF EXISTS ${t}`);
    }
    await engine.run('DROP VIEW IF EXISTS lines');
  }
}
