import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { quoteLiteral } from '../../runner/engine/sql-quote.js';

export interface SilverCountsView {
  bronze_rows: number;
  silver_rows: number;
  quarantined: number;
  duplicates: number;
  quarantine_by_rule: Record<string, number>;
  line_types: Record<string, number>;
}

export interface QuarantineSample {
  rule: string;
  rows: Record<string, string | number | null>[];
}

export interface SilverReport {
  /** Where the numbers came from: the silver version's _meta.json in the lake, or the run's lineage events. */
  source: 'lake' | 'lineage' | 'none';
  counts: SilverCountsView | null;
  samples: QuarantineSample[];
}

interface LineageEvent {
  eventType?: string;
  job?: { name?: string };
  inputs?: {
    name?: string;
    inputFacets?: { dataQualityMetrics?: { rowCount?: number; duplicates?: number } };
  }[];
  outputs?: { name?: string; outputFacets?: { outputStatistics?: { rowCount?: number } } }[];
}

/** Silver counts from the silver step's COMPLETE lineage event: what a run still has when its lake is out of reach. */
export function countsFromLineage(events: readonly unknown[]): SilverCountsView | null {
  const silver = (events as LineageEvent[]).find(
    (e) => e.eventType === 'COMPLETE' && e.job?.name?.endsWith('.silver'),
  );
  if (!silver) return null;
  const metrics = silver.inputs?.[0]?.inputFacets?.dataQualityMetrics;
  const out = (suffix: string) =>
    silver.outputs?.find((o) => o.name?.endsWith(suffix))?.outputFacets?.outputStatistics?.rowCount;
  if (metrics?.rowCount === undefined) return null;
  return {
    bronze_rows: metrics.rowCount,
    duplicates: metrics.duplicates ?? 0,
    silver_rows: out('/sales_lines') ?? 0,
    quarantined: out('/quarantine') ?? 0,
    quarantine_by_rule: {},
    line_types: {},
  };
}

const SAMPLE_COLUMNS = [
  'source_file',
  'source_line',
  'invoice_no',
  'stock_code',
  'description',
  'quantity',
  'invoice_date',
  'unit_price',
  'customer_id',
  'country',
  'message',
];

const plain = (v: unknown): string | number | null =>
  v === null || v === undefined
    ? null
    : typeof v === 'number'
      ? v
      : typeof v === 'bigint'
        ? Number(v)
        : String(v);

/**
 * Reads a run's silver version from a local lake: `_meta.json` (counts by rule and line type) and the first rows of
 * quarantine.parquet per rule. Returns undefined when the lake or the version is not on this machine (a cluster's lake
 * volume, an object store, or a version pruned by retainVersions).
 */
export function createSilverReportReader(options: { samplesPerRule?: number } = {}) {
  const perRule = options.samplesPerRule ?? 5;
  let db: Promise<DuckDBInstance> | undefined;
  const findVersion = (lake: string, runId: string): string | undefined => {
    const silver = path.join(lake, 'silver');
    if (!path.isAbsolute(lake) || !fs.existsSync(silver)) return undefined;
    for (const dataset of fs.readdirSync(silver)) {
      const dir = path.join(silver, dataset, 'versions', runId);
      if (fs.existsSync(path.join(dir, '_meta.json'))) return dir;
    }
    return undefined;
  };
  return {
    async read(lake: string | null, runId: string): Promise<Omit<SilverReport, 'source'> | undefined> {
      if (!lake || runId.includes('/') || runId.includes('..')) return undefined;
      const dir = findVersion(lake.replace(/^file:\/\//, ''), runId);
      if (!dir) return undefined;
      const meta = JSON.parse(fs.readFileSync(path.join(dir, '_meta.json'), 'utf8')) as {
        counts?: {
          bronzeRows: number;
          silverRows: number;
          quarantined: number;
          duplicates: number;
          quarantineByRule: Record<string, number>;
          lineTypes: Record<string, number>;
        };
      };
      const c = meta.counts;
      if (!c) return undefined;
      const counts: SilverCountsView = {
        bronze_rows: c.bronzeRows,
        silver_rows: c.silverRows,
        quarantined: c.quarantined,
        duplicates: c.duplicates,
        quarantine_by_rule: c.quarantineByRule,
        line_types: c.lineTypes,
      };
      const file = path.join(dir, 'quarantine.parquet');
      if (c.quarantined === 0 || !fs.existsSync(file)) return { counts, samples: [] };
      db ??= DuckDBInstance.create(':memory:', { threads: '1' });
      const connection = await (await db).connect();
      try {
        const reader = await connection.runAndReadAll(
          `SELECT rule_id, ${SAMPLE_COLUMNS.join(', ')} FROM read_parquet(${quoteLiteral(file)})
           QUALIFY row_number() OVER (PARTITION BY rule_id ORDER BY source_file, source_line) <= ${perRule}
           ORDER BY rule_id, source_file, source_line`,
        );
        const byRule = new Map<string, QuarantineSample>();
        for (const row of reader.getRowObjectsJS()) {
          const rule = String(row.rule_id);
          const sample = byRule.get(rule) ?? { rule, rows: [] };
          sample.rows.push(Object.fromEntries(SAMPLE_COLUMNS.map((k) => [k, plain(row[k])])));
          byRule.set(rule, sample);
        }
        return { counts, samples: [...byRule.values()] };
      } finally {
        connection.closeSync();
      }
    },
    close(): void {
      void db?.then((d) => d.closeSync());
    },
  };
}

export type SilverReportReader = ReturnType<typeof createSilverReportReader>;
