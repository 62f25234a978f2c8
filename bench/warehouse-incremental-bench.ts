/**
 * The warehouse step alone on a large partitioned silver (issue 14, ADR 0026): a full load next to the incremental
 * loads of one new day and of one changed old day, side by side in one run, each load in a fresh process (peak RSS
 * includes DuckDB's native memory), one embedded PostgreSQL for all.
 *
 *   npx tsx bench/warehouse-incremental-bench.ts <silverDir> <goldDir> [--copies 6] [--out result.json]
 *
 * <silverDir>/<goldDir>: a whole silver (sales_lines.parquet, countries.parquet) and gold version of the real data
 * (e.g. the fixture's `wholeSilverDir()`). The history is that silver replicated back in time like
 * bench/incremental-bench.ts does with bronze: copy k shifted 54 weeks × k earlier, invoice numbers prefixed k, row
 * hashes and source files made unique, customers and products the same; written as one file per business date.
 * The new day (2011-12-10) is the busiest real day's lines with new invoice numbers; the changed old day is a day of
 * the oldest copy re-published with a quarter of its lines gone and a quarter changed.
 * Loads: (1) full load of the history (untimed setup), (2) + the new day, incremental, (3) + the changed old day,
 * incremental, (4) a full load of (3)'s version into an empty schema with no stored pre-aggregates.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { pino } from 'pino';
import type { SilverPartition } from '../runner/lake/partitions.js';

const { values, positionals } = parseArgs({
  options: {
    copies: { type: 'string', default: '6' },
    out: { type: 'string' },
    child: { type: 'string' },
  },
  allowPositionals: true,
});

interface ChildArgs {
  url: string;
  schema: string;
  runId: string;
  root: string;
  preaggRoot: string;
  mapFile: string;
  silverDir: string;
  goldDir: string;
}

if (values.child) {
  // One load in this process: prints {ms, maxRssBytes, load} on its last line.
  const a = JSON.parse(values.child) as ChildArgs;
  const { runWarehouseStep } = await import('../runner/warehouse/warehouse-step.js');
  const { sourceFromDirs, preaggPrefix } = await import('../runner/warehouse/warehouse-source.js');
  const { createPreaggStore } = await import('../runner/warehouse/preagg-store.js');
  const { createLocalStorage } = await import('../runner/storage/local-storage.js');
  const { createWarehousePool } = await import('../runner/warehouse/pool.js');
  const { WarehouseSpecSchema } = await import('../runner/spec/warehouse-spec.js');
  const logger = pino({ level: 'warn' });
  const partitions = JSON.parse(fs.readFileSync(a.mapFile, 'utf8')) as Record<string, SilverPartition>;
  const base = await sourceFromDirs(a.silverDir, a.goldDir);
  const started = performance.now();
  const result = await runWarehouseStep({
    source: {
      ...base,
      silver: {
        ...base.silver,
        version: a.runId,
        partitions,
        partitionFiles: (keys) => Promise.resolve(keys.map((k) => path.join(a.root, k))),
        salesLines: [],
        quarantine: [],
      },
      preaggs: createPreaggStore({
        storage: createLocalStorage({ root: a.preaggRoot }),
        prefix: preaggPrefix('bench'),
        cacheDir: a.preaggRoot,
      }),
    },
    runId: a.runId,
    spec: WarehouseSpecSchema.parse({ schema: a.schema }),
    connect: async () => {
      const pool = createWarehousePool({ url: a.url, logger });
      return { pool, target: 'bench', psqlCommand: 'psql', embedded: false, close: () => pool.end() };
    },
    logger,
  });
  const ms = Math.round(performance.now() - started);
  if (result.status !== 'Succeeded') throw new Error(JSON.stringify(result.error));
  const l = result.load;
  console.log(
    JSON.stringify({
      ms,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      load: { full: l?.full, factLines: l?.factLines, factMode: l?.factMode, timings: l?.timings },
    }),
  );
  process.exit(0);
}

const [silverDir, goldDir] = positionals;
if (!silverDir || !goldDir)
  throw new Error('usage: warehouse-incremental-bench.ts <silverDir> <goldDir> [--copies N]');
const copies = Number(values.copies);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-wh-bench-'));
fs.chmodSync(work, 0o755);
const root = path.join(work, 'lake');
const parts = 'silver/bench/parts/sales_lines';

const db = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
await db.run(`SET TimeZone = 'UTC'`);
const q = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJS();
const shift = (k: number) => `INTERVAL ${k * 378} DAY`;
const copy = (k: number) => `SELECT * REPLACE (
    CAST(business_date - ${shift(k)} AS DATE) AS business_date, invoice_ts - ${shift(k)} AS invoice_ts,
    CASE WHEN starts_with(invoice_no, 'C') THEN 'C${k}' || substr(invoice_no, 2) ELSE '${k}' || invoice_no END AS invoice_no,
    md5(row_hash || '-${k}') AS row_hash, '${k}/' || source_file AS source_file)
  FROM read_parquet('${path.join(silverDir, 'sales_lines.parquet')}')`;
const t0 = performance.now();
await db.run(
  `CREATE TABLE hist AS ${Array.from({ length: copies }, (_, k) => (k === 0 ? `SELECT * FROM read_parquet('${path.join(silverDir, 'sales_lines.parquet')}')` : copy(k))).join(' UNION ALL ')}`,
);
fs.mkdirSync(path.join(root, parts), { recursive: true });
await db.run(
  `COPY hist TO '${path.join(root, parts)}' (FORMAT parquet, PARTITION_BY (business_date), WRITE_PARTITION_COLUMNS true)`,
);
const map: Record<string, SilverPartition> = {};
for (const r of await q(
  `SELECT strftime(business_date, '%Y-%m-%d') AS d, count(*) AS n FROM hist GROUP BY 1`,
)) {
  const d = String(r.d);
  const dir = path.join(root, parts, `business_date=${d}`);
  const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.parquet'));
  map[d] = {
    builtBy: 'h',
    tables: { sales_lines: { key: `${parts}/business_date=${d}/${file}`, rows: Number(r.n) } },
  };
}
const writeDay = async (date: string, sql: string, name: string): Promise<void> => {
  const key = `${parts}/business_date=${date}/${name}.parquet`;
  fs.mkdirSync(path.dirname(path.join(root, key)), { recursive: true });
  await db.run(`COPY (${sql}) TO '${path.join(root, key)}' (FORMAT parquet)`);
  const [n] = await q(`SELECT count(*) AS n FROM read_parquet('${path.join(root, key)}')`);
  map[date] = { builtBy: name, tables: { sales_lines: { key, rows: Number(n?.n) } } };
};
const mapFile = (name: string): string => {
  const file = path.join(work, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(map));
  return file;
};
const history = mapFile('history');
const [busiest] = await q(
  `SELECT strftime(business_date, '%Y-%m-%d') AS d FROM hist WHERE business_date >= DATE '2011-01-01' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
);
await writeDay(
  '2011-12-10',
  `SELECT * REPLACE (DATE '2011-12-10' AS business_date,
      invoice_ts + (DATE '2011-12-10' - business_date) * INTERVAL 1 DAY AS invoice_ts, '99' || invoice_no AS invoice_no,
      md5(row_hash || '-new') AS row_hash, 'new/' || source_file AS source_file)
   FROM hist WHERE business_date = DATE '${String(busiest?.d)}'`,
  'v2',
);
const withNewDay = mapFile('new-day');
const [old] = await q(`SELECT strftime(min(business_date) + INTERVAL 40 DAY, '%Y-%m-%d') AS d FROM hist`);
const oldDay = Object.keys(map).find((d) => d >= String(old?.d)) ?? '';
await writeDay(
  oldDay,
  `SELECT * REPLACE (CASE WHEN source_line % 4 = 1 THEN quantity + 1 ELSE quantity END AS quantity,
      CASE WHEN source_line % 4 = 1 THEN md5(row_hash || '-v3') ELSE row_hash END AS row_hash)
   FROM hist WHERE business_date = DATE '${oldDay}' AND source_line % 4 <> 0`,
  'v3',
);
const withChangedDay = mapFile('changed-day');
const [count] = await q('SELECT count(*) AS n FROM hist');
console.error(
  `silver of ${String(count?.n)} lines in ${Object.keys(map).length} days written in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
const { createEmbeddedPostgres } = await import('../runner/warehouse/embedded-postgres.js');
const pg = createEmbeddedPostgres({
  dataDir: path.join(work, 'pgdata'),
  port: await freePort(),
  logger: pino({ level: 'silent' }),
});
const { url } = await pg.start();

interface Measured {
  seconds: number;
  peakRssGiB: number;
  load: { full: boolean; factLines: number; factMode: string; timings: Record<string, number> };
}
const measure = (schema: string, runId: string, file: string, preaggRoot: string): Measured => {
  const args: ChildArgs = { url, schema, runId, root, preaggRoot, mapFile: file, silverDir, goldDir };
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(args)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 },
  );
  const m = JSON.parse(stdout.trim().split('\n').pop()!) as {
    ms: number;
    maxRssBytes: number;
    load: Measured['load'];
  };
  return {
    seconds: Number((m.ms / 1000).toFixed(2)),
    peakRssGiB: Number((m.maxRssBytes / 2 ** 30).toFixed(2)),
    load: m.load,
  };
};

try {
  const first = measure('wh_incr', 'r1', history, root);
  console.error(`full load of the history: ${first.seconds} s`);
  const newDay = measure('wh_incr', 'r2', withNewDay, root);
  console.error(`+ new day (incremental): ${newDay.seconds} s`);
  const changedDay = measure('wh_incr', 'r3', withChangedDay, root);
  console.error(`+ changed old day ${oldDay} (incremental): ${changedDay.seconds} s`);
  const full = measure('wh_full', 'f3', withChangedDay, path.join(work, 'fresh-preaggs'));
  console.error(`full load of the same version: ${full.seconds} s`);
  const result = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))),
    silverLines: Number(count?.n),
    days: Object.keys(map).length,
    oldDay,
    first,
    newDay,
    changedDay,
    full,
    ratios: {
      newDayTime: Number((newDay.seconds / full.seconds).toFixed(3)),
      changedDayTime: Number((changedDay.seconds / full.seconds).toFixed(3)),
      newDayPeakRss: Number((newDay.peakRssGiB / full.peakRssGiB).toFixed(3)),
      changedDayPeakRss: Number((changedDay.peakRssGiB / full.peakRssGiB).toFixed(3)),
    },
  };
  console.log(JSON.stringify(result, null, 2));
  if (values.out) fs.writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
} finally {
  await pg.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
