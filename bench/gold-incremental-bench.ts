/**
 * Incremental gold on a large lake (issue 14, ADR 0025): one new day and one changed old day, next to a full gold
 * rebuild, in one run.
 *
 *   npx tsx bench/gold-incremental-bench.ts --rows 3000000 [--data-dir DIR] [--out result.json]
 *
 * Silver is built once from the real Online Retail data (bronze → silver, enrichment off), then replicated back in
 * time the way bench/incremental-bench.ts replicates bronze: copy k shifted 54 weeks × k earlier, invoice numbers
 * prefixed k (cancellations keep their leading C), same customers and products; one sales_lines file per business
 * day in the partitioned silver layout. The new day is 2011-12-10 (lines of the busiest real days, invoice prefix
 * 99, 30,000 rows); the changed old day is the middle day of the history, which loses a third of its lines.
 *
 * Each measurement is one `medallion run --steps gold` in a fresh process (peak RSS includes DuckDB's memory):
 * (1) the first gold build over the history, (2) after the new day, (3) after the changed old day, (4) the same
 * silver with `--full-refresh` (the full rebuild the incremental runs replace), and (5) for reference the plain full
 * SQL of gold-sql.ts over all lines (what gold did before pre-aggregates). Ratios are (2)/(4) and (3)/(4).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';

const here = path.dirname(fileURLToPath(import.meta.url));
const REAL = path.resolve(here, '../../shared/data/online-retail/online-retail-by-day');
const DS = 'online_retail';
const SHIFT_DAYS = 54 * 7;
const NEW_DAY = '2011-12-10';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '3000000' },
    'day-rows': { type: 'string', default: '30000' },
    'data-dir': { type: 'string', default: path.join(os.tmpdir(), 'medallion-gold-bench') },
    'memory-limit': { type: 'string', default: '1GiB' },
    out: { type: 'string' },
    child: { type: 'string' },
    'child-sql': { type: 'string' },
  },
  allowPositionals: true,
});

const q = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const done = (started: number, extra: object = {}): never => {
  const wallMs = Math.round(performance.now() - started);
  console.log(JSON.stringify({ wallMs, maxRssBytes: process.resourceUsage().maxRSS * 1024, ...extra }));
  process.exit(0);
};

/** Child: one `medallion run` in this process; the gold step's progress line says what it read. */
if (values.child) {
  const args = JSON.parse(values.child) as string[];
  const { main } = await import('../cli/main.js');
  const started = performance.now();
  let note = '';
  const code = await main(['run', ...args], {
    out: () => undefined,
    err: (t) => {
      if (t.includes('ranges recomputed')) note = t.replace(/^\[gold\] /, '');
    },
    env: { ...process.env, MEDALLION_LOG_LEVEL: 'warn', MEDALLION_LOG_FORMAT: 'pretty' },
    isTty: true,
  });
  if (code !== 0) throw new Error(`medallion run exited ${code}`);
  done(started, { note });
}

/** Child: the full SQL of gold-sql.ts over the given line files (the rebuild before pre-aggregates). */
if (values['child-sql']) {
  const { files, out } = JSON.parse(fs.readFileSync(values['child-sql'], 'utf8')) as {
    files: string[];
    out: string;
  };
  const { createSqlEngine } = await import('../runner/engine/sql-engine.js');
  const { GOLD_TABLES, orderCountsSql, copyGoldSql } = await import('../runner/gold/gold-sql.js');
  const started = performance.now();
  fs.mkdirSync(out, { recursive: true });
  const engine = await createSqlEngine({
    memoryLimit: values['memory-limit']!,
    tempDir: path.join(out, 'tmp'),
    logger: pino({ level: 'silent' }),
  });
  await engine.run(
    `CREATE TEMP VIEW lines AS FROM read_parquet([${files.map(q).join(', ')}], hive_partitioning = false)`,
  );
  for (const sql of orderCountsSql(1)) await engine.run(sql);
  for (const t of Object.keys(GOLD_TABLES) as (keyof typeof GOLD_TABLES)[])
    await engine.run(copyGoldSql(t, path.join(out, `${t}.parquet`)));
  engine.close();
  done(started);
}

interface Measured {
  seconds: number;
  peakRssGiB: number;
  goldStepSeconds?: number;
  note?: string;
}

function child(args: string[]): { wallMs: number; maxRssBytes: number; note?: string } {
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 26,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as {
    wallMs: number;
    maxRssBytes: number;
    note?: string;
  };
}

const data = path.resolve(values['data-dir']!);
const rows = Number(values.rows);
fs.mkdirSync(data, { recursive: true });
const spec = (name: string, source: string, steps: string): string => {
  const file = path.join(data, `${name}.yaml`);
  fs.writeFileSync(
    file,
    `apiVersion: medallion.dev/v1alpha1
kind: Pipeline
metadata: { name: gold-bench }
spec:
  source: { uri: ${JSON.stringify(source)}, dataset: ${DS} }
  lake: { uri: ./lake-${name} }
  steps: [${steps}]
  enrichment: { enabled: false }
  engine: { memoryLimit: ${values['memory-limit']} }
  quality: { minScore: 0.5, maxQuarantineRatio: 1 }
`,
  );
  return file;
};

// 1. The real silver, once.
const realLake = path.join(data, 'lake-real');
if (!fs.existsSync(path.join(data, 'real.complete'))) {
  fs.rmSync(realLake, { recursive: true, force: true });
  const m = child(['--child', JSON.stringify(['-f', spec('real', REAL, 'bronze, silver'), '--quiet'])]);
  fs.writeFileSync(path.join(data, 'real.complete'), '');
  console.error(`real silver built in ${(m.wallMs / 1000).toFixed(1)} s`);
}
const silverRoot = (lake: string): string => path.join(lake, 'silver', DS);
const currentOf = (root: string): string =>
  (JSON.parse(fs.readFileSync(path.join(root, 'CURRENT'), 'utf8')) as { version: string }).version;
const realMeta = JSON.parse(
  fs.readFileSync(
    path.join(silverRoot(realLake), 'versions', currentOf(silverRoot(realLake)), '_meta.json'),
    'utf8',
  ),
) as { partitions: Record<string, { tables: { sales_lines?: { key: string; rows: number } } }> } & Record<
  string,
  unknown
>;
const realFiles = Object.values(realMeta.partitions).flatMap((p) =>
  p.tables.sales_lines ? [path.join(realLake, p.tables.sales_lines.key)] : [],
);

// 2. The replicated silver: one file per day, written with DuckDB.
const lake = path.join(data, `lake-rows-${rows}`);
const partsDir = path.join(silverRoot(lake), 'parts', 'sales_lines');
type Partitions = Record<string, { builtBy: string; tables: { sales_lines: { key: string; rows: number } } }>;
let history: Partitions;
let extra: { newDay: Partitions; changed: Partitions; changedDay: string; historyRows: number };
const { createSqlEngine } = await import('../runner/engine/sql-engine.js');
if (!fs.existsSync(path.join(lake, 'bench.json'))) {
  fs.rmSync(lake, { recursive: true, force: true });
  const t = performance.now();
  const engine = await createSqlEngine({
    memoryLimit: values['memory-limit']!,
    tempDir: path.join(data, 'tmp'),
    logger: pino({ level: 'silent' }),
  });
  await engine.run('SET partitioned_write_max_open_files = 1000');
  const real = `read_parquet([${realFiles.map(q).join(', ')}])`;
  const [n] = await engine.all(`SELECT count(*) AS n FROM ${real}`);
  const copies = Math.max(1, Math.round(rows / Number(n!.n)));
  const stage = path.join(data, 'stage');
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  const renumber = (prefix: string): string =>
    `CASE WHEN invoice_no LIKE 'C%' THEN 'C${prefix}' || substr(invoice_no, 2) ELSE '${prefix}' || invoice_no END`;
  for (let k = 0; k < copies; k++) {
    await engine.run(
      `COPY (SELECT * REPLACE (${k === 0 ? 'invoice_no' : renumber(String(k))} AS invoice_no,
                   CAST(business_date - INTERVAL ${k * SHIFT_DAYS} DAY AS DATE) AS business_date),
                   strftime(business_date - INTERVAL ${k * SHIFT_DAYS} DAY, '%Y-%m-%d') AS day
             FROM ${real})
       TO ${q(path.join(stage, `copy-${k}`))} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (day))`,
    );
  }
  const place = async (day: string, select: string, name: string): Promise<{ key: string; rows: number }> => {
    const key = `silver/${DS}/parts/sales_lines/business_date=${day}/${name}.parquet`;
    fs.mkdirSync(path.join(partsDir, `business_date=${day}`), { recursive: true });
    await engine.run(`COPY (${select}) TO ${q(path.join(lake, key))} (FORMAT parquet, COMPRESSION zstd)`);
    const [c] = await engine.all(`SELECT count(*) AS n FROM read_parquet(${q(path.join(lake, key))})`);
    return { key, rows: Number(c!.n) };
  };
  history = {};
  let historyRows = 0;
  for (let k = 0; k < copies; k++) {
    for (const d of fs.readdirSync(path.join(stage, `copy-${k}`))) {
      const day = d.replace(/^day=/, '');
      const file = await place(
        day,
        `FROM read_parquet(${q(path.join(stage, `copy-${k}`, d, '*.parquet'))})`,
        'hist',
      );
      history[day] = { builtBy: 'hist', tables: { sales_lines: file } };
      historyRows += file.rows;
    }
  }
  fs.rmSync(stage, { recursive: true, force: true });
  // The new day: the busiest real days' lines re-dated, new invoice numbers.
  const newDay = await place(
    NEW_DAY,
    `SELECT * REPLACE (${renumber('99')} AS invoice_no, DATE '${NEW_DAY}' AS business_date) FROM ${real}
     WHERE business_date IN (SELECT business_date FROM ${real} GROUP BY ALL ORDER BY count(*) DESC LIMIT 40)
     ORDER BY business_date, invoice_no LIMIT ${Number(values['day-rows'])}`,
    'newday',
  );
  // The changed old day: the middle day of the history loses a third of its lines (a re-ingested file).
  const keys = Object.keys(history).sort();
  const changedDay = keys[Math.floor(keys.length / 2)]!;
  const changed = await place(
    changedDay,
    `FROM read_parquet(${q(path.join(lake, history[changedDay]!.tables.sales_lines.key))}) WHERE hash(source_line) % 3 <> 0`,
    'changed',
  );
  engine.close();
  extra = {
    newDay: { [NEW_DAY]: { builtBy: 'newday', tables: { sales_lines: newDay } } },
    changed: { [changedDay]: { builtBy: 'changed', tables: { sales_lines: changed } } },
    changedDay,
    historyRows,
  };
  fs.writeFileSync(path.join(lake, 'bench.json'), JSON.stringify({ history, ...extra }));
  console.error(
    `replicated silver: ${historyRows} rows in ${keys.length} days (${copies} copies) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
} else {
  ({ history, ...extra } = JSON.parse(fs.readFileSync(path.join(lake, 'bench.json'), 'utf8')) as {
    history: Partitions;
  } & typeof extra);
}

/** Publishes a silver version with the given partition map (the rest of the meta is the real silver's). */
let seq = 0;
function publishSilver(partitions: Partitions): void {
  const v = `29990101T0000${String(++seq).padStart(2, '0')}Z-bench`;
  const dir = path.join(silverRoot(lake), 'versions', v);
  fs.mkdirSync(dir, { recursive: true });
  const silverRows = Object.values(partitions).reduce((s, p) => s + p.tables.sales_lines.rows, 0);
  const counts = { ...(realMeta.counts as object), silverRows };
  fs.writeFileSync(
    path.join(dir, '_meta.json'),
    JSON.stringify({ ...realMeta, runId: v, counts, partitions }),
  );
  fs.writeFileSync(path.join(silverRoot(lake), 'CURRENT'), JSON.stringify({ version: v, history: [v] }));
}

// 3. Gold runs on that lake, each in a fresh process, side by side.
fs.rmSync(path.join(lake, 'gold'), { recursive: true, force: true });
fs.rmSync(path.join(silverRoot(lake), 'versions'), { recursive: true, force: true });
fs.rmSync(path.join(silverRoot(lake), 'CURRENT'), { force: true });
fs.writeFileSync(
  path.join(data, 'gold.yaml'),
  fs.readFileSync(spec('x', REAL, 'bronze, silver, gold'), 'utf8').replace('./lake-x', JSON.stringify(lake)),
);
const gold = (label: string, flags: string[] = []): Measured => {
  const m = child([
    '--child',
    JSON.stringify(['-f', path.join(data, 'gold.yaml'), '--steps', 'gold', ...flags]),
  ]);
  const summary = JSON.parse(fs.readFileSync(path.join(lake, '_runs', 'latest.json'), 'utf8')) as {
    steps: Record<string, { durationMs: number }>;
  };
  const r = {
    seconds: Number((m.wallMs / 1000).toFixed(2)),
    peakRssGiB: Number((m.maxRssBytes / 2 ** 30).toFixed(2)),
    goldStepSeconds: Number(((summary.steps.gold?.durationMs ?? 0) / 1000).toFixed(2)),
    note: m.note,
  };
  console.error(`${label}: ${JSON.stringify(r)}`);
  return r;
};
publishSilver(history);
const first = gold('first gold build over the history');
publishSilver({ ...history, ...extra.newDay });
const newDay = gold(`incremental: new day ${NEW_DAY}`);
const withChange = { ...history, ...extra.newDay, ...extra.changed };
publishSilver(withChange);
const changedOld = gold(`incremental: changed old day ${extra.changedDay}`);
publishSilver(withChange);
const full = gold('full rebuild (--full-refresh)', ['--full-refresh']);
const sqlOut = path.join(data, 'full-sql');
fs.rmSync(sqlOut, { recursive: true, force: true });
const listFile = path.join(data, 'full-sql-files.json');
fs.writeFileSync(
  listFile,
  JSON.stringify({
    files: Object.values(withChange).map((p) => path.join(lake, p.tables.sales_lines.key)),
    out: sqlOut,
  }),
);
const s = child(['--child-sql', listFile, '--memory-limit', values['memory-limit']!]);
const fullSql = {
  seconds: Number((s.wallMs / 1000).toFixed(2)),
  peakRssGiB: Number((s.maxRssBytes / 2 ** 30).toFixed(2)),
};
console.error(`full SQL over all lines (reference): ${JSON.stringify(fullSql)}`);
const ratio = (a: number, b: number): number => Number((a / b).toFixed(3));
const result = {
  date: new Date().toISOString(),
  cpus: os.cpus().length,
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))),
  historyRows: extra.historyRows,
  historyDays: Object.keys(history).length,
  first,
  newDay,
  changedOld,
  full,
  fullSql,
  ratios: {
    newDayToFull: ratio(newDay.goldStepSeconds!, full.goldStepSeconds!),
    changedOldToFull: ratio(changedOld.goldStepSeconds!, full.goldStepSeconds!),
    newDayToFullWall: ratio(newDay.seconds, full.seconds),
    newDayToFullSqlWall: ratio(newDay.seconds, fullSql.seconds),
    newDayPeakRssToFull: ratio(newDay.peakRssGiB, full.peakRssGiB),
  },
};
console.log(JSON.stringify(result, null, 2));
if (values.out) fs.writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
