import fs from 'node:fs/promises';
import path from 'node:path';
import type { SqlEngine } from '../engine/sql-engine.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import type { PartitionFile, TouchedPartitions } from '../lake/partitions.js';
import { PRICE_TYPE } from '../silver/silver-rules.js';
import { GOLD_TABLES, type GoldTable } from './gold-sql.js';
import {
  INCREMENTAL_GOLD_TABLES,
  overcountSql,
  PREAGG_SQL,
  PREAGGS,
  SPANNING_INVOICES_SQL,
  type Preagg,
} from './incremental-gold-sql.js';

/** One partition's pre-aggregate files in gold (storage keys relative to the lake root); no file when empty. */
export interface GoldPartition {
  builtBy: string;
  files: Partial<Record<Preagg, PartitionFile>>;
}

/** A silver partition as gold reads it: its key and the local paths of its sales_lines files. */
export interface LinesPartition {
  key: string;
  salesLinesFiles: string[];
}

export interface IncrementalGoldInput {
  engine: SqlEngine;
  runId: string;
  /** Every partition of the silver version gold is built from. */
  partitions: LinesPartition[];
  /** Partitions whose lines changed since `previous` was built; `full` recomputes them all. */
  changed: TouchedPartitions;
  /** The pre-aggregates of the gold version built before (required unless `changed.full`). */
  previous: Record<string, GoldPartition> | undefined;
  /** Local paths of stored pre-aggregate files (downloaded once when the lake is on object storage). */
  resolve: (keys: string[]) => Promise<string[]>;
  /** The storage key of a new pre-aggregate file. */
  partKey: (preagg: Preagg, partition: string) => string;
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
  /** Invoices whose sale lines fall in more than one partition (their orders were corrected). */
  spanningInvoices: number;
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
  ...PREAGGS.flatMap((p) => [`new_${p}`, `pa_${p}`]),
  'part_files',
  'spanning',
  'span_pairs',
  'product_over',
  'category_over',
];
const TEMP_VIEWS = ['plines', 'slines'];

/** A view `name` of the sales lines of `partitions`, with their partition key in column `part`. */
async function linesView(engine: SqlEngine, name: string, partitions: LinesPartition[]): Promise<void> {
  const files = partitions.flatMap((p) => p.salesLinesFiles.map((f) => ({ f, key: p.key })));
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
  const source = `read_parquet([${files.map((x) => quoteLiteral(x.f)).join(', ')}], filename = true, union_by_name = true)`;
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
 * Gold from per-partition pre-aggregates: recomputes the pre-aggregates of the changed partitions from their
 * lines, reuses the stored ones of the others, and computes every gold table from them (incremental-gold-sql.ts).
 */
export async function buildIncrementalGold(input: IncrementalGoldInput): Promise<IncrementalGoldResult> {
  const { engine, runId, partitions, changed, previous } = input;
  const full = changed.full || !previous;
  const changedKeys = new Set(changed.keys);
  const recompute = partitions.filter((p) => full || changedKeys.has(p.key) || !previous[p.key]);
  const recomputed = new Set(recompute.map((p) => p.key));
  try {
    await linesView(engine, 'plines', recompute);
    for (const p of PREAGGS) {
      await engine.run(`CREATE OR REPLACE TEMP TABLE new_${p} AS ${PREAGG_SQL[p]('plines')}`);
    }
    const kept = partitions.filter((p) => !recomputed.has(p.key)).map((p) => previous![p.key]!);
    for (const p of PREAGGS) {
      const keys = kept.flatMap((k) => (k.files[p] ? [k.files[p].key] : []));
      const old = keys.length === 0 ? [] : await input.resolve(keys);
      const union =
        old.length === 0
          ? ''
          : ` UNION ALL BY NAME SELECT * FROM read_parquet([${old.map(quoteLiteral).join(', ')}])`;
      // Materialised once: several tables read each pre-aggregate, and opening every partition's file is the cost.
      await engine.run(`CREATE OR REPLACE TEMP TABLE pa_${p} AS SELECT * FROM new_${p}${union}`);
    }

    // Invoices in several partitions: read the lines of just the partitions that hold them, to correct orders.
    await engine.run(SPANNING_INVOICES_SQL);
    const spanParts = new Set(
      (await engine.all('SELECT DISTINCT unnest(parts) AS part FROM spanning')).map((r) => String(r.part)),
    );
    const [span] = await engine.all('SELECT count(*) AS n FROM spanning');
    const spanningInvoices = Number(span?.n ?? 0);
    if (spanParts.size > 0)
      await linesView(
        engine,
        'slines',
        partitions.filter((p) => spanParts.has(p.key)),
      );
    for (const sql of overcountSql(spanParts.size > 0 ? 'slines' : undefined)) await engine.run(sql);

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
    for (const p of partitions)
      parts[p.key] = recomputed.has(p.key) ? { builtBy: runId, files: {} } : previous![p.key]!;
    const staged: { file: string; key: string }[] = [];
    for (const p of PREAGGS) {
      const counts = await engine.all(`SELECT part, count(*) AS n FROM new_${p} GROUP BY part ORDER BY part`);
      if (counts.length === 0) continue;
      const dir = path.join(input.partsDir, p);
      await fs.mkdir(input.partsDir, { recursive: true });
      // Sorted by partition, so each partition's file is opened once however many there are.
      await engine.run(
        `COPY (FROM new_${p} ORDER BY part) TO ${quoteLiteral(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (part), WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'data_{i}')`,
      );
      for (const c of counts) {
        const key = String(c.part);
        const written = await partitionFile(engine, dir, key);
        const storageKey = input.partKey(p, key);
        staged.push({ file: written, key: storageKey });
        parts[key]!.files[p] = { key: storageKey, rows: Number(c.n) };
      }
    }
    const touched: TouchedPartitions = { full, keys: [...recomputed].sort() };
    if (!full) {
      // Partitions gone from silver were touched too (their rows left every table).
      for (const k of changedKeys) if (!parts[k] && !touched.keys.includes(k)) touched.keys.push(k);
      touched.keys.sort();
    }
    return { parts, staged, touched, rows, spanningInvoices };
  } finally {
    for (const v of TEMP_VIEWS) await engine.run(`DROP VIEW IF EXISTS ${v}`);
    for (const t of TEMP_TABLES) await engine.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

/**
 * The one file of partition `key` under `dir/part=<key>/`. DuckDB writes a partition in several files when more
 * partitions are open than partitioned_write_max_open_files; those few are merged into one.
 */
async function partitionFile(engine: SqlEngine, dir: string, key: string): Promise<string> {
  const sub = path.join(dir, `part=${key}`);
  const names = (await fs.readdir(sub)).filter((n) => n.endsWith('.parquet')).sort();
  if (names.length === 1) return path.join(sub, names[0]!);
  const merged = path.join(dir, `${key}.merged.parquet`);
  const list = names.map((n) => quoteLiteral(path.join(sub, n))).join(', ');
  await engine.run(
    `COPY (FROM read_parquet([${list}])) TO ${quoteLiteral(merged)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  return merged;
}
