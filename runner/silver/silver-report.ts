import path from 'node:path';
import fs from 'node:fs/promises';
import { quoteLiteral } from '../engine/sql-quote.js';
import type { QualityReport, SilverCounts } from '../quality/assess-quality.js';
import type { SilverDetails, StepContext, StepResult } from '../run/step-types.js';
import type { SilverEnrichment } from './enrich-silver.js';
import { inputCountsSql, outcomeCountsSql } from './silver-sql.js';
import { LINE_TYPES } from './silver-rules.js';

/** Counting, auditing and reporting of the silver step (silver-step.ts). */

/** Tables stored one file per business-date partition; `_rows` is silver's own store of the partition's sources. */
export const PARTITIONED_TABLES = ['sales_lines', 'quarantine', 'duplicates', '_rows'] as const;
export type StagedTable = (typeof PARTITIONED_TABLES)[number];
/** Small lookup tables, whole in every version directory. */
export const WHOLE_FILES = ['countries.parquet', 'fx_rates.parquet'];

export interface PartitionCounts {
  counts: SilverCounts;
  countries: string[];
}

/** Counts of the recomputed partitions, from the classified rows (one query per kind, grouped by partition). */
export async function readPartitionCounts(ctx: StepContext): Promise<Map<string, PartitionCounts>> {
  const out = new Map<string, PartitionCounts>();
  for (const r of await ctx.engine.all(inputCountsSql())) {
    out.set(String(r.pkey), {
      counts: {
        bronzeRows: Number(r.bronze_rows),
        duplicates: Number(r.duplicates),
        silverRows: 0,
        quarantined: 0,
        quarantineByRule: {},
        lineTypes: Object.fromEntries(LINE_TYPES.map((t) => [t, 0])),
        filledFields: 0,
      },
      countries: ((r.countries as unknown[] | null) ?? []).map(String),
    });
  }
  for (const r of await ctx.engine.all(outcomeCountsSql())) {
    const c = out.get(String(r.pkey))!.counts;
    const outcome = String(r.outcome);
    const n = Number(r.n);
    if (outcome === 'duplicate') continue;
    if ((LINE_TYPES as readonly string[]).includes(outcome)) {
      c.lineTypes[outcome] = n;
      c.silverRows += n;
      c.filledFields += Number(r.filled_fields);
    } else {
      c.quarantineByRule[outcome] = n;
      c.quarantined += n;
    }
  }
  return out;
}

/**
 * The files a partitioned COPY wrote under `<dir>/pkey=<key>/`, by partition key. DuckDB may flush a large
 * partition in several files; they are merged into one, since a partition's table is one immutable file.
 */
export async function stagedPartitionFiles(ctx: StepContext, dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const d of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!d.startsWith('pkey=')) continue;
    const files = (await fs.readdir(path.join(dir, d)))
      .filter((f) => f.endsWith('.parquet'))
      .map((f) => path.join(dir, d, f));
    let file = files[0]!;
    if (files.length > 1) {
      file = path.join(dir, d, 'merged.parquet');
      // Hive detection off: the `pkey=` directory would otherwise come back as a column of the merged file.
      await ctx.engine.run(
        `COPY (SELECT * FROM read_parquet([${files.map(quoteLiteral).join(', ')}], hive_partitioning = false)) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
      );
    }
    out.set(decodeURIComponent(d.slice('pkey='.length)), file);
  }
  return out;
}

/** Expected rows of a table in a partition, from its counts. */
export function expectedRows(table: StagedTable, c: SilverCounts): number {
  return {
    sales_lines: c.silverRows,
    quarantine: c.quarantined,
    duplicates: c.duplicates,
    _rows: c.bronzeRows,
  }[table];
}

/** Audit before publishing: every written file holds exactly the rows the counts say, and no partition is missing. */
export async function auditWritten(
  ctx: StepContext,
  staged: Map<StagedTable, Map<string, string>>,
  counts: Map<string, PartitionCounts>,
  versionDir: string,
  e: SilverEnrichment | null,
): Promise<void> {
  const count = async (file: string): Promise<number> => {
    const [row] = await ctx.engine.all(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(file)})`);
    return Number(row?.n);
  };
  for (const table of PARTITIONED_TABLES) {
    const files = staged.get(table)!;
    // One scan per table (Parquet answers counts from its footers), not one query per partition.
    const byFile = new Map<string, number>();
    if (files.size > 0) {
      const list = [...files.values()].map(quoteLiteral).join(', ');
      for (const r of await ctx.engine.all(
        `SELECT filename AS f, count(*) AS n FROM read_parquet([${list}], filename = true) GROUP BY 1`,
      ))
        byFile.set(String(r.f), Number(r.n));
    }
    for (const [key, c] of counts) {
      const want = expectedRows(table, c.counts);
      const file = files.get(key);
      const got = file ? (byFile.get(file) ?? 0) : 0;
      if (got !== want)
        throw new Error(`silver audit failed: ${table} partition ${key} holds ${got} rows, expected ${want}`);
    }
    for (const key of files.keys())
      if (!counts.has(key))
        throw new Error(`silver audit failed: ${table} wrote unexpected partition ${key}`);
  }
  const whole = [e?.countries ?? 0, e?.rates ?? 0];
  for (const [i, file] of WHOLE_FILES.entries()) {
    const got = await count(path.join(versionDir, file));
    if (got !== whole[i])
      throw new Error(`silver audit failed: ${file} holds ${got} rows, expected ${whole[i]}`);
  }
}

export function result(
  status: StepResult['status'],
  meta: { counts: SilverCounts; quality: QualityReport; enrichment?: SilverEnrichment | null },
  rowsIn: number,
  rowsOut: number,
  started: number,
  inputs: StepResult['inputs'],
  outputs: StepResult['outputs'],
  extra: Pick<
    SilverDetails,
    'upToDate' | 'superseded' | 'version' | 'dir' | 'enrichment' | 'partitions' | 'checks'
  >,
  note?: string,
): StepResult<SilverDetails> {
  const c = meta.counts;
  const e = meta.enrichment;
  return {
    status,
    rowsIn,
    rowsOut,
    durationMs: Math.round(performance.now() - started),
    ...(note === undefined ? {} : { note }),
    inputs,
    outputs: outputs.map((o, i) => ({
      ...o,
      rowCount: [c.silverRows, c.quarantined, e?.countries ?? 0, e?.rates ?? 0][i] ?? 0,
    })),
    details: {
      duplicatesRemoved: c.duplicates,
      quarantined: c.quarantined,
      quarantineByRule: c.quarantineByRule,
      lineTypes: c.lineTypes,
      quality: meta.quality,
      counts: c,
      ...extra,
    },
  };
}
