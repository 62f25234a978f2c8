import path from 'node:path';
import { quoteLiteral } from '../engine/sql-quote.js';
import type { QualityReport, SilverCounts } from '../quality/assess-quality.js';
import type { SilverDetails, StepContext, StepResult } from '../run/step-types.js';
import type { SilverEnrichment } from './enrich-silver.js';
import { inputCountsSql, outcomeCountsSql } from './silver-sql.js';
import { LINE_TYPES } from './silver-rules.js';

/** Counting, auditing and reporting of the silver step (silver-step.ts). */

export const SILVER_FILES = [
  'sales_lines.parquet',
  'quarantine.parquet',
  'duplicates.parquet',
  'countries.parquet',
  'fx_rates.parquet',
];

export async function readCounts(ctx: StepContext): Promise<SilverCounts> {
  const [input] = await ctx.engine.all(inputCountsSql());
  const rows = await ctx.engine.all(outcomeCountsSql());
  const lineTypes: Record<string, number> = Object.fromEntries(LINE_TYPES.map((t) => [t, 0]));
  const quarantineByRule: Record<string, number> = {};
  let filledFields = 0;
  for (const r of rows) {
    const outcome = String(r.outcome);
    const n = Number(r.n);
    if (outcome === 'duplicate') continue;
    if ((LINE_TYPES as readonly string[]).includes(outcome)) {
      lineTypes[outcome] = n;
      filledFields += Number(r.filled_fields);
    } else quarantineByRule[outcome] = n;
  }
  const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
  return {
    bronzeRows: Number(input?.bronze_rows ?? 0),
    duplicates: Number(input?.duplicates ?? 0),
    silverRows: sum(lineTypes),
    quarantined: sum(quarantineByRule),
    quarantineByRule,
    lineTypes,
    filledFields,
  };
}

/** Audit before publishing: the files on disk hold exactly the rows the counts say. */
export async function auditWritten(
  ctx: StepContext,
  staging: string,
  c: SilverCounts,
  e: SilverEnrichment | null,
): Promise<void> {
  const expected = [c.silverRows, c.quarantined, c.duplicates, e?.countries ?? 0, e?.rates ?? 0];
  for (const [i, file] of SILVER_FILES.entries()) {
    const [row] = await ctx.engine.all(
      `SELECT count(*) AS n FROM read_parquet(${quoteLiteral(path.join(staging, file))})`,
    );
    if (Number(row?.n) !== expected[i]) {
      throw new Error(`silver audit failed: ${file} holds ${String(row?.n)} rows, expected ${expected[i]}`);
    }
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
  extra: Pick<SilverDetails, 'upToDate' | 'superseded' | 'version' | 'dir' | 'enrichment'>,
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
