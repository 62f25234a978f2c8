import fs from 'node:fs/promises';
import path from 'node:path';
import type { SqlEngine } from '../engine/sql-engine.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import type { PartitionFile, TouchedPartitions } from '../lake/partitions.js';
import { PRICE_TYPE } from '../silver/silver-rules.js';
import { GOLD_TABLES, type GoldTable } from './gold-sql.js';
import { planRanges } from './gold-ranges.js';
import {
  INCREMENTAL_GOLD_TABLES,
  overcountSql,
  PREAGG_SQL,
  PREAGGS,
  SPANNING_INVOICES_SQL,
  YEAR_SQL,
  type Preagg,
} from './incremental-gold-sql.js';

/**
 * One range's pre-aggregate files in gold (storage keys relative to the lake root; no file when empty). A range is
 * a day, a month or a closed year (gold-ranges.ts); `inputs` is the digest of what it was computed from.
 */
export interface GoldPartition {
  builtBy: string;
  inputs?: string;
  files: Partial<Record<Preagg, PartitionFile>>;
}

/** A silver partition as gold reads it: its key and its sales_lines files (ids that `resolve` makes local paths). */
export interface LinesPartition {
  key: string;
  salesLinesFiles: string[];
}

export interface IncrementalGoldInput {
  engine: SqlEngine;
  runId: string;
  /** Every partition of the silver version gold is built from. */
  partitions: LinesPartition[];
  /** Partitions whose lines changed since `previous` was built (reported); `full` recomputes everything. */
  changed: TouchedPartitions;
  /** The ranges of the gold version built before (ignored when `changed.full`). */
  previous: Record<string, GoldPartition> | undefined;
  /** Local paths of stored files, silver lines or pre-aggregates (downloaded once when the lake is remote). */
  resolve: (keys: string[]) => Promise<string[]>;
  /** The storage key of a new pre-aggregate file of a range. */
  partKey: (preagg: Preagg, range: string) => string;
  /** Local scratch directory for the new pre-aggregate files. */
  partsDir: string;
  /** Where the gold tables are written, one `<table>.parquet` each. */
  outDir: string;
}

export interface IncrementalGoldResult {
  parts: Record<string, GoldPartition>;
  /** New pre-aggregate files to store before the version is published. */
  staged: { file: string; key: string }[];
  touched: TouchedPartitions;
  rows: Record<string, number>;
  /** Invoices whose sale lines fall in more than one unit (their orders were corrected). */
  spanningInvoices: number;
  /** Ranges recomputed, silver files and stored pre-aggregate files read: what the run cost. */
  stats: { recomputed: string[]; silverFilesRead: number; preaggFilesRead: number };
}

/** Silver's sales_lines columns that gold reads, typed as silver writes them: the shape of "no lines". */
const LINES_COLUMNS = [
  ['invoice_no', 'VARCHAR'],
  ['stock_code', 'VARCHAR'],
  ['description', 'VARCHAR'],
  ['quantity', 'BIGINT'],
  ['unit_price', PRICE_TYPE],
  ['business_date', 'DATE'],
  ['customer_id', 'VARCHAR'],
  ['country', 'VARCHAR'],
  ['line_type', 'VARCHAR'],
  ['amount_eur', 'DECIMAL(38,2)'],
  ['amount_usd', 'DECIMAL(38,2)'],
  ['category', 'VARCHAR'],
] as const;
/** Columns a silver version written before enrichment lacks; they read as null. */
const OPTIONAL = new Set(['amount_eur', 'amount_usd', 'category']);

/** No sales lines, typed as silver writes them (DuckDB cannot read an empty list of files). */
export const emptyLinesSql = (): string =>
  `SELECT ${LINES_COLUMNS.map(([c, t]) => `NULL::${t} AS ${c}`).join(', ')} LIMIT 0`;

const TEMP_TABLES = [
  ...PREAGGS.flatMap((p) => [`new_${p}`, `year_${p}`, `pa_${p}`]),
  'gold_keys',
  'part_files',
  'spanning',
  'span_pairs',
  'product_over',
  'category_over',
];
const TEMP_VIEWS = ['plines', 'slines'];

/** A view `name` of the sales lines of `units` (local files), with their unit key in column `part`. */
async function linesView(engine: SqlEngine, name: string, units: LinesPartition[]): Promise<void> {
  const files = units.flatMap((p) => p.salesLinesFiles.map((f) => ({ f, key: p.key })));
  if (files.length === 0) {
    await engine.run(
      `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT *, NULL::VARCHAR AS part FROM (${emptyLinesSql()})`,
    );
    return;
  }
  await engine.run('CREATE OR REPLACE TEMP TABLE part_files (file VARCHAR, part VARCHAR)');
  await engine.run(
    `INSERT INTO part_files VALUES ${files.map((x) => `(${quoteLiteral(x.f)}, ${quoteLiteral(x.key)})`).join(', ')}`,
  );
  const source = `read_parquet([${files.map((x) => quoteLiteral(x.f)).join(', ')}], filename = true, union_by_name = true, hive_partitioning = false)`;
  const present = new Set(
    (await engine.all(`DESCRIBE SELECT * FROM ${source}`)).map((r) => String(r.column_name)),
  );
  const cols = LINES_COLUMNS.map(([c, t]) =>
    present.has(c) || !OPTIONAL.has(c) ? `l.${c}` : `NULL::${t} AS ${c}`,
  ).join(', ');
  // Materialised: the view is read once per pre-aggregate, and the part_files table is replaced by the next call.
  await engine.run(
    `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT ${cols}, f.part FROM ${source} l JOIN (SELECT * FROM part_files) f ON l.filename = f.file`,
  );
}

/**
 * Gold from pre-aggregates of ranges of dates: recomputes the ranges whose inputs changed (units from their lines,
 * closed years from their months' rows), reuses the stored files of the others, and computes every gold table from
 * the ranges that cover the history once (gold-ranges.ts, incremental-gold-sql.ts).
 */
export async function buildIncrementalGold(input: IncrementalGoldInput): Promise<IncrementalGoldResult> {
  const { engine, runId, partitions, changed } = input;
  const full = changed.full || !input.previous;
  const previous = full ? {} : input.previous!;
  const plan = planRanges(partitions.map((p) => ({ key: p.key, files: p.salesLinesFiles })));
  const reusable = (k: string): GoldPartition | undefined => {
    const r = previous[k];
    return r && r.inputs !== undefined && r.inputs === plan.inputs.get(k) ? r : undefined;
  };
  const newUnits = [...plan.units.keys()].filter((u) => !reusable(u));
  const newYears = [...plan.years.keys()].filter((y) => !reusable(y));
  const recomputed = new Set([...newUnits, ...newYears]);
  const lines = new Map(partitions.map((p) => [p.key, p.salesLinesFiles]));
  const stats = { recomputed: [...recomputed].sort(), silverFilesRead: 0, preaggFilesRead: 0 };
  /** The units' sales_lines as local files, each unit's days under its key. */
  const unitLines = async (units: string[]): Promise<LinesPartition[]> => {
    const ids = units.map((u) => plan.units.get(u)!.flatMap((d) => lines.get(d) ?? []));
    const local = await input.resolve(ids.flat());
    stats.silverFilesRead += local.length;
    let i = 0;
    return units.map((u, j) => ({ key: u, salesLinesFiles: ids[j]!.map(() => local[i++]!) }));
  };
  /** Local paths of the stored files of pre-aggregate `p` of reused ranges. */
  const stored = async (p: Preagg, ranges: string[]): Promise<string[]> => {
    const keys = ranges.flatMap((k) => (previous[k]?.files[p] ? [previous[k].files[p].key] : []));
    stats.preaggFilesRead += keys.length;
    return keys.length === 0 ? [] : input.resolve(keys);
  };
  // Paths name their range Hive-style (business_date=…, business_month=…): never read those names as columns.
  const union = (files: string[]): string =>
    files.length === 0
      ? ''
      : ` UNION ALL BY NAME SELECT * FROM read_parquet([${files.map(quoteLiteral).join(', ')}], hive_partitioning = false)`;
  try {
    await linesView(engine, 'plines', await unitLines(newUnits));
    for (const p of PREAGGS) {
      await engine.run(`CREATE OR REPLACE TEMP TABLE new_${p} AS ${PREAGG_SQL[p]('plines')}`);
    }
    // Which recomputed units feed a recomputed year, and which are read directly by the tables.
    const yearMonths = newYears.flatMap((y) => plan.years.get(y)!);
    const readNew = plan.read.filter((k) => recomputed.has(k));
    const readOld = plan.read.filter((k) => !recomputed.has(k));
    await engine.run('CREATE OR REPLACE TEMP TABLE gold_keys (k VARCHAR, kind VARCHAR)');
    const keyRows = [
      ...yearMonths.filter((m) => recomputed.has(m)).map((k) => [k, 'year_unit']),
      ...readNew.map((k) => [k, 'read']),
    ];
    if (keyRows.length > 0)
      await engine.run(
        `INSERT INTO gold_keys VALUES ${keyRows.map(([k, t]) => `(${quoteLiteral(k!)}, '${t}')`).join(', ')}`,
      );
    const keysOf = (kind: string): string => `(SELECT k FROM gold_keys WHERE kind = '${kind}')`;
    for (const p of PREAGGS) {
      const months = await stored(
        p,
        yearMonths.filter((m) => !recomputed.has(m)),
      );
      await engine.run(
        `CREATE OR REPLACE TEMP TABLE year_${p} AS ${YEAR_SQL[p](`(SELECT * FROM new_${p} WHERE part IN ${keysOf('year_unit')}${union(months)})`)}`,
      );
      // Materialised once: several tables read each pre-aggregate.
      await engine.run(
        `CREATE OR REPLACE TEMP TABLE pa_${p} AS SELECT * FROM new_${p} WHERE part IN ${keysOf('read')}
         UNION ALL BY NAME SELECT * FROM year_${p}${union(await stored(p, readOld))}`,
      );
    }

    // Invoices in several units: read the lines of just the units that hold them, to correct orders.
    await engine.run(SPANNING_INVOICES_SQL);
    const spanParts = (
      await engine.all('SELECT DISTINCT unnest(parts) AS part FROM spanning ORDER BY part')
    ).map((r) => String(r.part));
    const [span] = await engine.all('SELECT count(*) AS n FROM spanning');
    const spanningInvoices = Number(span?.n ?? 0);
    if (spanParts.length > 0) await linesView(engine, 'slines', await unitLines(spanParts));
    for (const sql of overcountSql(spanParts.length > 0 ? 'slines' : undefined)) await engine.run(sql);

    const rows: Record<string, number> = {};
    for (const t of Object.keys(GOLD_TABLES) as GoldTable[]) {
      const file = path.join(input.outDir, `${t}.parquet`);
      await engine.run(
        `COPY (${INCREMENTAL_GOLD_TABLES[t]}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      const [r] = await engine.all(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(file)})`);
      rows[t] = Number(r?.n ?? 0);
    }

    const parts: Record<string, GoldPartition> = {};
    for (const k of [...plan.units.keys(), ...plan.years.keys()].sort())
      parts[k] = reusable(k) ?? { builtBy: runId, inputs: plan.inputs.get(k), files: {} };
    const staged: { file: string; key: string }[] = [];
    await fs.mkdir(input.partsDir, { recursive: true });
    for (const p of PREAGGS) {
      for (const [table, range] of [
        [`new_${p}`, 'part'],
        [`year_${p}`, 'substr(part, 1, 4)'],
      ] as const) {
        const dir = path.join(input.partsDir, `${table}`);
        for (const w of await writeRanges(engine, table, range, dir)) {
          const storageKey = input.partKey(p, w.range);
          staged.push({ file: w.file, key: storageKey });
          parts[w.range]!.files[p] = { key: storageKey, rows: w.rows };
        }
      }
    }
    const touched: TouchedPartitions = full
      ? { full, keys: partitions.map((p) => p.key).sort() }
      : { full, keys: [...changed.keys].sort() };
    return { parts, staged, touched, rows, spanningInvoices, stats };
  } finally {
    for (const v of TEMP_VIEWS) await engine.run(`DROP VIEW IF EXISTS ${v}`);
    for (const t of TEMP_TABLES) await engine.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

/** Writes `table` as one Parquet file per range (`rangeExpr` of its rows); returns each range's file and rows. */
async function writeRanges(
  engine: SqlEngine,
  table: string,
  rangeExpr: string,
  dir: string,
): Promise<{ range: string; file: string; rows: number }[]> {
  const counts = await engine.all(
    `SELECT ${rangeExpr} AS range, count(*) AS n FROM ${table} GROUP BY ALL ORDER BY range`,
  );
  if (counts.length === 0) return [];
  // Sorted by range, so each range's file is opened once however many there are; the range column is not written.
  await engine.run(
    `COPY (SELECT *, ${rangeExpr} AS range FROM ${table} ORDER BY range) TO ${quoteLiteral(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (range), FILENAME_PATTERN 'data_{i}')`,
  );
  const out: { range: string; file: string; rows: number }[] = [];
  for (const c of counts) {
    const range = String(c.range);
    out.push({ range, file: await partitionFile(engine, dir, range), rows: Number(c.n) });
  }
  return out;
}

/**
 * The one file of range `key` under `dir/range=<key>/`. DuckDB writes a partition in several files when more
 * partitions are open than partitioned_write_max_open_files; those few are merged into one.
 */
async function partitionFile(engine: SqlEngine, dir: string, key: string): Promise<string> {
  const sub = path.join(dir, `range=${key}`);
  const names = (await fs.readdir(sub)).filter((n) => n.endsWith('.parquet')).sort();
  if (names.length === 1) return path.join(sub, names[0]!);
  const merged = path.join(dir, `${key}.merged.parquet`);
  const list = names.map((n) => quoteLiteral(path.join(sub, n))).join(', ');
  await engine.run(
    `COPY (FROM read_parquet([${list}], hive_partitioning = false)) TO ${quoteLiteral(merged)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  return merged;
}
