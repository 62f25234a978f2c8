import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStoreEnv } from '../../runner/config.js';
import { quoteLiteral } from '../../runner/engine/sql-quote.js';
import { createLakeStore, type LakeStore } from '../../runner/lake/lake-store.js';
import type { Logger } from '../../runner/logger.js';
import { isS3Uri, openStorage } from '../../runner/storage/open-storage.js';
import type { Storage } from '../../runner/storage/storage.js';

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

/** A silver version found in a lake: its `_meta.json`, and its quarantine files as local paths to read. */
interface FoundVersion {
  meta: string;
  /** The version's quarantine partition files (downloaded from object storage); none when it has no rows. */
  quarantine(): Promise<{ files: string[]; done(): Promise<void> }>;
}

/** A silver table's files through the lake's tableFiles, as every reader of a partitioned table must. */
async function quarantineFiles(lake: LakeStore, runId: string): Promise<string[]> {
  const v = await lake.version('silver', runId);
  return v ? lake.tableFiles('silver', v, 'quarantine') : [];
}

const VERSION_META = /^silver\/([^/]+)\/versions\/([^/]+)\/_meta\.json$/;

/**
 * Reads a run's silver version from its lake: `_meta.json` (counts by rule and line type) and the first rows of
 * its quarantine (one file per business-date partition) per rule. A local lake is read in place; an s3:// lake through the runner's storage adapter
 * (AWS_ENDPOINT_URL_S3 / AWS_REGION and the standard credential chain). Returns undefined when the version is out of
 * reach (a cluster's lake volume, an unreachable object store, or a version pruned by retainVersions).
 */
export function createSilverReportReader(
  options: { samplesPerRule?: number; objectStore?: ObjectStoreEnv; logger?: Logger } = {},
) {
  const perRule = options.samplesPerRule ?? 5;
  let db: Promise<DuckDBInstance> | undefined;
  const stores = new Map<string, Storage>();
  const findLocal = (lake: string, runId: string): FoundVersion | undefined => {
    const silver = path.join(lake, 'silver');
    if (!path.isAbsolute(lake) || !fs.existsSync(silver)) return undefined;
    for (const dataset of fs.readdirSync(silver)) {
      const dir = path.join(silver, dataset, 'versions', runId);
      if (!fs.existsSync(path.join(dir, '_meta.json'))) continue;
      const store = createLakeStore({ root: lake, dataset });
      return {
        meta: fs.readFileSync(path.join(dir, '_meta.json'), 'utf8'),
        quarantine: async () => ({
          files: await quarantineFiles(store, runId),
          done: () => Promise.resolve(),
        }),
      };
    }
    return undefined;
  };
  const findInStorage = async (uri: string, runId: string): Promise<FoundVersion | undefined> => {
    let storage = stores.get(uri);
    if (!storage) {
      storage = openStorage(uri, {
        baseDir: '/',
        env: options.objectStore ?? { endpoint: undefined, region: undefined },
        ...(options.logger ? { logger: options.logger } : {}),
      });
      stores.set(uri, storage);
    }
    const s = storage;
    try {
      const objects = await s.list('silver/');
      const found = objects.map((o) => VERSION_META.exec(o.key)).find((m) => m?.[2] === runId);
      const metaKey = found?.[0];
      if (!metaKey) return undefined;
      const opened = await s.open(metaKey);
      if (!opened) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
      return {
        meta: Buffer.concat(chunks).toString('utf8'),
        async quarantine() {
          // A scratch work directory: the lake store downloads the version and its partition files into it.
          const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'medallion-silver-report-'));
          const done = () => fs.promises.rm(dir, { recursive: true, force: true });
          try {
            const store = createLakeStore({ root: uri, dataset: found[1]!, storage: s, workDir: dir });
            return { files: await quarantineFiles(store, runId), done };
          } catch (e) {
            await done();
            throw e;
          }
        },
      };
    } catch (e) {
      options.logger?.warn({ err: e, lake: uri, runId }, 'silver report: the lake is out of reach');
      return undefined;
    }
  };
  return {
    async read(lake: string | null, runId: string): Promise<Omit<SilverReport, 'source'> | undefined> {
      if (!lake || runId.includes('/') || runId.includes('..')) return undefined;
      const found = isS3Uri(lake)
        ? await findInStorage(lake, runId)
        : findLocal(lake.replace(/^file:\/\//, ''), runId);
      if (!found) return undefined;
      const meta = JSON.parse(found.meta) as {
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
      if (c.quarantined === 0) return { counts, samples: [] };
      const local = await found.quarantine();
      if (local.files.length === 0) {
        await local.done();
        return { counts, samples: [] };
      }
      db ??= DuckDBInstance.create(':memory:', { threads: '1' });
      const connection = await (await db).connect();
      try {
        const reader = await connection.runAndReadAll(
          `SELECT rule_id, ${SAMPLE_COLUMNS.join(', ')} FROM read_parquet([${local.files.map(quoteLiteral).join(', ')}])
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
        await local.done();
      }
    },
    close(): void {
      void db?.then((d) => d.closeSync());
    },
  };
}

export type SilverReportReader = ReturnType<typeof createSilverReportReader>;
