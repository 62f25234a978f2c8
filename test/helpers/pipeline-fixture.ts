import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { pino } from 'pino';
import { createLakeStore } from '../../runner/lake/lake-store.js';
import { createProgressReporter } from '../../runner/run/progress.js';
import { runPipeline, type RunOptions } from '../../runner/run/run-pipeline.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { loadSpec } from '../../runner/spec/load-spec.js';
import type { StepName } from '../../runner/spec/pipeline-spec.js';
import { startStandInProviders, type StandInProviders } from './stand-in-providers.js';

export const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

/** A temporary pipeline: a source directory, a lake and a spec, with helpers to run it and read its outputs. */
export interface Fixture {
  dir: string;
  sourceDir: string;
  lakeDir: string;
  specFile: string;
  write(name: string, content: string | Buffer): string;
  /**
   * Runs the pipeline. Enrichment providers are loopback stand-ins (started on the first run, stopped by cleanup)
   * unless fxUrl / countriesUrl are given.
   */
  run(
    options?: Partial<
      Pick<
        RunOptions,
        | 'sourceUri'
        | 'lakeDir'
        | 'fxUrl'
        | 'countriesUrl'
        | 'registry'
        | 'extraSteps'
        | 'partitions'
        | 'failPartitions'
        | 'sparkHome'
      >
    > & {
      steps?: StepName[];
    },
  ): Promise<RunSummary>;
  /** The loopback stand-ins (started on first use). */
  providers(): Promise<StandInProviders>;
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Files of a table of the current silver version, through the lake's tableFiles (as every reader must). */
  silverFiles(table: string): Promise<string[]>;
  /** A relation over a silver table for f.query (`SELECT … FROM ${await f.silverTable('sales_lines')}`). */
  silverTable(table: string): Promise<string>;
  /** The current silver version's directory (its meta and the whole lookup tables, not the partitioned ones). */
  silverDir(): string;
  goldFile(table: string): string;
  /**
   * The current silver version as one directory of whole tables (sales_lines, quarantine, duplicates, countries,
   * fx_rates: one Parquet file each), for tests that take silver in the unpartitioned layout of old.
   */
  wholeSilverDir(name?: string): Promise<string>;
  cleanup(): void;
}

export function createFixture(specExtra = '', sourceOptions = ''): Fixture {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-test-'));
  const sourceDir = path.join(dir, 'source');
  const lakeDir = path.join(dir, 'lake');
  fs.mkdirSync(sourceDir);
  const specFile = path.join(dir, 'pipeline.yaml');
  fs.writeFileSync(
    specFile,
    `apiVersion: medallion.dev/v1alpha1
kind: Pipeline
metadata: { name: fixture }
spec:
  source:
    uri: ./source
${sourceOptions}
  lake: { uri: ./lake }
${specExtra}
`,
  );
  const current = (layer: string): string => {
    const pointer = JSON.parse(
      fs.readFileSync(path.join(lakeDir, layer, 'online_retail', 'CURRENT'), 'utf8'),
    ) as { version: string };
    return path.join(lakeDir, layer, 'online_retail', 'versions', pointer.version);
  };
  const silverFiles = async (t: string): Promise<string[]> => {
    const lake = createLakeStore({ root: lakeDir, dataset: 'online_retail' });
    const v = await lake.current<Record<string, unknown>>('silver');
    if (!v) throw new Error('no silver version published');
    return lake.tableFiles('silver', v, t);
  };
  let db: Awaited<ReturnType<typeof DuckDBInstance.create>> | undefined;
  let providers: Promise<StandInProviders> | undefined;
  const getProviders = (): Promise<StandInProviders> => (providers ??= startStandInProviders());
  return {
    dir,
    sourceDir,
    lakeDir,
    specFile,
    write(name, content) {
      const p = path.join(sourceDir, name);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content);
      return p;
    },
    async run(options = {}) {
      const loaded = await loadSpec(specFile);
      const logger = pino({ level: 'silent' });
      const urls =
        options.fxUrl !== undefined && options.countriesUrl !== undefined
          ? {}
          : { fxUrl: (await getProviders()).fxUrl, countriesUrl: (await getProviders()).countriesUrl };
      return runPipeline({
        loaded,
        logger,
        ...urls,
        progress: createProgressReporter({ format: 'json', logger, write: () => undefined }),
        ...options,
      });
    },
    async query(sql) {
      db ??= await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      try {
        return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
      } finally {
        conn.closeSync();
      }
    },
    providers: getProviders,
    silverFiles,
    async silverTable(t) {
      const files = await silverFiles(t);
      // read_parquet([]) fails: a table without rows has no files, so it reads as an empty relation.
      return files.length === 0
        ? '(SELECT NULL AS no_rows WHERE false)'
        : `read_parquet([${files.map((f) => `'${f}'`).join(', ')}])`;
    },
    silverDir: () => current('silver'),
    goldFile: (t) => path.join(current('gold'), `${t}.parquet`),
    async wholeSilverDir(name = 'whole-silver') {
      const out = path.join(dir, name);
      fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(out, { recursive: true });
      db ??= await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      try {
        for (const t of ['sales_lines', 'quarantine', 'duplicates', 'countries', 'fx_rates']) {
          const files = await silverFiles(t);
          if (files.length === 0) continue;
          const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
          await conn.run(
            `COPY (SELECT * FROM read_parquet([${list}])) TO '${path.join(out, `${t}.parquet`)}' (FORMAT parquet)`,
          );
        }
      } finally {
        conn.closeSync();
      }
      return out;
    },
    cleanup() {
      db?.closeSync();
      void providers?.then((p) => p.close());
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The full Online Retail data beside the repository; tests fail (not skip) with a clear message without it. */
export function fullDataDir(): string {
  const dir = path.resolve(import.meta.dirname, '../../../shared/data/online-retail/online-retail-by-day');
  if (!fs.existsSync(dir)) {
    throw new Error(
      `The full Online Retail data is missing: expected ${dir}.\n` +
        'Place the shared data folder beside the repository (../shared/data/online-retail/online-retail-by-day), as CI does.',
    );
  }
  return dir;
}
