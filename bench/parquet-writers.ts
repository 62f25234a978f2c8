/**
 * The engine decision (docs/adr/0001-sql-engine-duckdb.md): converting the full Online Retail CSVs to Parquet with
 * the JavaScript Parquet writers the design named (parquetjs-lite, its maintained fork @dsnp/parquetjs, both fed
 * by csv-parse) against DuckDB's reader and writer. Each job runs in a child process for a clean peak RSS.
 * Usage: npx tsx bench/parquet-writers.ts [--source DIR]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const { values } = parseArgs({
  options: {
    source: {
      type: 'string',
      default: path.resolve(path.dirname(here), '../../shared/data/online-retail/online-retail-by-day'),
    },
    job: { type: 'string' },
    out: { type: 'string' },
  },
});
const COLS = [
  'InvoiceNo',
  'StockCode',
  'Description',
  'Quantity',
  'InvoiceDate',
  'UnitPrice',
  'CustomerID',
  'Country',
];

async function runJob(job: string, source: string, out: string): Promise<void> {
  const files = fs
    .readdirSync(source)
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => path.join(source, f));
  if (job === 'duckdb') {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run(
      `COPY (SELECT * FROM read_csv('${source}/*.csv', all_varchar = true, header = true)) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`,
    );
    return;
  }
  const { parse } = await import('csv-parse');
  const lib = job === 'parquetjs-lite' ? await import('parquetjs-lite') : await import('@dsnp/parquetjs');
  const mod = ((lib as { default?: unknown }).default ?? lib) as {
    ParquetSchema: new (s: unknown) => unknown;
    ParquetWriter: {
      openFile(
        schema: unknown,
        file: string,
      ): Promise<{ appendRow(r: unknown): Promise<void>; close(): Promise<void> }>;
    };
  };
  const schema = new mod.ParquetSchema(
    Object.fromEntries(COLS.map((c) => [c, { type: 'UTF8', optional: true }])),
  );
  const writer = await mod.ParquetWriter.openFile(schema, out);
  for (const f of files) {
    for await (const rec of fs.createReadStream(f).pipe(parse({ columns: true })))
      await writer.appendRow(rec);
  }
  await writer.close();
}

if (values.job) {
  const t = performance.now();
  await runJob(values.job, values.source!, values.out!);
  console.log(
    JSON.stringify({
      job: values.job,
      wallMs: Math.round(performance.now() - t),
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      bytes: fs.statSync(values.out!).size,
    }),
  );
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-pq-'));
  const results = ['duckdb', 'parquetjs-lite', '@dsnp/parquetjs'].map((job) => {
    const out = path.join(dir, `${job.replace(/\W/g, '_')}.parquet`);
    const stdout = execFileSync(
      process.execPath,
      ['--import', 'tsx', here, '--job', job, '--source', values.source!, '--out', out],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    console.error(
      `${job}: ${(r.wallMs / 1000).toFixed(1)} s, ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB peak, ${(r.bytes / 2 ** 20).toFixed(1)} MiB written`,
    );
    return r;
  });
  console.log(JSON.stringify(results, null, 2));
  fs.rmSync(dir, { recursive: true, force: true });
}
