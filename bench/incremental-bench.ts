/**
 * Incremental runs (issue 14): what one new day costs on a large lake, next to a full rebuild, in one run.
 *
 *   npx tsx bench/incremental-bench.ts --rows 10000000 [--day-rows 30000] [--data-dir DIR] [--out result.json]
 *
 * The history is the real Online Retail data (../shared/data/online-retail) replicated back in time: copy k (k = 0,
 * 1, …) is shifted 54 weeks × k earlier (weekdays stay weekdays; the copies' 374-day spans never overlap), its
 * invoice numbers get the prefix k (cancellations keep their leading C), customers and products stay the same. So
 * the dates spread over ~rows / 1,777 business days like a long-lived shop, and whole-history tables (RFM, cohorts)
 * keep their real customer and product counts. The new day is 2011-12-10 (the day after the real data ends):
 * lines of the busiest real days, re-dated to it, with new invoice numbers, up to --day-rows.
 *
 * Runs, each in a fresh process (peak RSS includes DuckDB's native memory), steps bronze → warehouse, one
 * PostgreSQL started here for all of them: (1) the first run over the history (builds the lake), (2) the run that
 * adds the new day to it, (3) a full run over history + new day in a fresh lake and warehouse schema (the rebuild
 * the incremental run replaces; `--full-refresh` must cost the same). Reported: time and peak RSS of each, and the
 * incremental run as a share of the full run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';

const here = path.dirname(fileURLToPath(import.meta.url));
const REAL = path.resolve(here, '../../shared/data/online-retail/online-retail-by-day');
const SHIFT_DAYS = 54 * 7;
const NEW_DAY = '2011-12-10';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    'day-rows': { type: 'string', default: '30000' },
    'data-dir': { type: 'string', default: path.join(os.tmpdir(), 'medallion-incremental-bench') },
    'memory-limit': { type: 'string', default: '1GiB' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    child: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  allowPositionals: true,
});

if (values.help) {
  console.log(
    'Usage: npx tsx bench/incremental-bench.ts --rows N [--day-rows 30000] [--data-dir DIR] [--memory-limit 1GiB] [--out result.json] [--keep]',
  );
  process.exit(0);
}

/** Child mode: one `medallion run` in this process; prints {wallMs, maxRssBytes} on its last line. */
if (values.child) {
  const args = JSON.parse(values.child) as string[];
  const { main } = await import('../cli/main.js');
  const started = performance.now();
  const code = await main(['run', ...args, '--quiet'], {
    out: () => undefined,
    err: (t) => process.stderr.write(t + '\n'),
    env: { ...process.env, MEDALLION_LOG_LEVEL: 'warn', MEDALLION_LOG_FORMAT: 'json' },
    isTty: false,
  });
  if (code !== 0) throw new Error(`medallion run exited ${code}`);
  const wallMs = Math.round(performance.now() - started);
  console.log(JSON.stringify({ wallMs, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
}

const shiftDate = (() => {
  const memo = new Map<string, string>();
  return (day: string, by: number): string => {
    const key = `${day}/${by}`;
    let out = memo.get(key);
    if (!out) {
      const d = new Date(`${day}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() - by);
      out = d.toISOString().slice(0, 10);
      memo.set(key, out);
    }
    return out;
  };
})();

/** Rewrites one CSV line: invoice number prefixed, invoice date moved. The date is the only `YYYY-MM-DD hh:mm:ss`. */
function rewrite(line: string, prefix: string, day: (d: string) => string): string {
  const invoice = line.slice(0, line.indexOf(','));
  const renumbered = invoice.startsWith('C') ? `C${prefix}${invoice.slice(1)}` : `${prefix}${invoice}`;
  return (
    renumbered +
    line
      .slice(invoice.length)
      .replace(/(\d{4}-\d{2}-\d{2})( \d{2}:\d{2}:\d{2})/, (_, d: string, t: string) => day(d) + t)
  );
}

function generate(
  rows: number,
  dayRows: number,
  dir: string,
): { historyRows: number; dayRows: number; days: number } {
  const history = path.join(dir, 'history');
  const day = path.join(dir, 'new-day');
  fs.mkdirSync(history, { recursive: true });
  fs.mkdirSync(day, { recursive: true });
  const files = fs
    .readdirSync(REAL)
    .filter((f) => f.endsWith('.csv'))
    .sort();
  const real = files.map((f) => {
    const [header, ...lines] = fs.readFileSync(path.join(REAL, f), 'utf8').trimEnd().split('\n');
    return { name: f, header: header!, lines };
  });
  let written = 0;
  let days = 0;
  for (let k = 0; written < rows; k++) {
    for (const f of real) {
      if (written >= rows) break;
      const take = f.lines.slice(0, rows - written);
      const prefix = k === 0 ? '' : String(k);
      const out = take.map((l) => rewrite(l, prefix, (d) => shiftDate(d, k * SHIFT_DAYS)));
      const name = `${shiftDate(f.name.slice(0, 10), k * SHIFT_DAYS)}.csv`;
      fs.writeFileSync(path.join(history, name), [f.header, ...out, ''].join('\n'));
      written += take.length;
      days++;
    }
  }
  // The new day: lines of the busiest real days, re-dated to NEW_DAY, invoice numbers prefixed 99.
  const busiest = [...real].sort((a, b) => b.lines.length - a.lines.length);
  const lines: string[] = [];
  for (const f of busiest) {
    for (const l of f.lines) {
      if (lines.length >= dayRows) break;
      lines.push(rewrite(l, '99', () => NEW_DAY));
    }
  }
  fs.writeFileSync(path.join(day, `${NEW_DAY}.csv`), [real[0]!.header, ...lines, ''].join('\n'));
  return { historyRows: written, dayRows: lines.length, days };
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });

const rows = Number(values.rows);
const dayRows = Number(values['day-rows']);
const data = path.join(values['data-dir']!, `rows-${rows}-day-${dayRows}`);
if (!fs.existsSync(path.join(data, '.complete'))) {
  fs.rmSync(data, { recursive: true, force: true });
  const t = performance.now();
  const g = generate(rows, dayRows, data);
  fs.writeFileSync(path.join(data, '.complete'), JSON.stringify(g));
  console.error(
    `generated ${g.historyRows} history rows over ${g.days} days + ${g.dayRows} rows on ${NEW_DAY} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
}
const generated = JSON.parse(fs.readFileSync(path.join(data, '.complete'), 'utf8')) as {
  historyRows: number;
  dayRows: number;
  days: number;
};

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-incbench-'));
const source = path.join(work, 'source');
fs.mkdirSync(source);
const { createEmbeddedPostgres } = await import('../runner/warehouse/embedded-postgres.js');
fs.chmodSync(work, 0o755);
const pg = createEmbeddedPostgres({
  dataDir: path.join(work, 'pgdata'),
  port: await freePort(),
  logger: pino({ level: 'silent' }),
});
const { url } = await pg.start();
/** Two lakes on one source: the incremental one, and a fresh one for the full run; one warehouse schema each. */
const specFor = (name: string): string => {
  const file = path.join(work, `${name}.yaml`);
  fs.writeFileSync(
    file,
    `apiVersion: medallion.dev/v1alpha1
kind: Pipeline
metadata: { name: incremental-bench }
spec:
  source: { uri: ./source }
  lake: { uri: ./lake-${name} }
  steps: [bronze, silver, gold, warehouse]
  enrichment: { enabled: false }
  engine: { memoryLimit: ${values['memory-limit']} }
  quality: { minScore: 0.5, maxQuarantineRatio: 1 }
  warehouse: { url: ${JSON.stringify(url)}, schema: bench_${name} }
`,
  );
  return file;
};

interface Measured {
  seconds: number;
  peakRssGiB: number;
  steps: Record<string, number>;
  partitions: Record<string, string>;
  /** The warehouse load's parts (export, dimensions, facts, marts), in seconds. */
  warehouse?: Record<string, number>;
}

function measure(name: string, extra: string[] = []): Measured {
  const stdout = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--child',
      JSON.stringify(['-f', specFor(name), ...extra]),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 },
  );
  const m = JSON.parse(stdout.trim().split('\n').pop()!) as { wallMs: number; maxRssBytes: number };
  const summary = JSON.parse(fs.readFileSync(path.join(work, `lake-${name}/_runs/latest.json`), 'utf8')) as {
    steps: Record<
      string,
      {
        durationMs: number;
        partitions?: { full: boolean; keys: string[] };
        timings?: Record<string, number>;
      }
    >;
  };
  const loadTimings = summary.steps.warehouse?.timings;
  return {
    seconds: Number((m.wallMs / 1000).toFixed(1)),
    peakRssGiB: Number((m.maxRssBytes / 2 ** 30).toFixed(2)),
    steps: Object.fromEntries(
      Object.entries(summary.steps).map(([k, v]) => [k, Number((v.durationMs / 1000).toFixed(1))]),
    ),
    partitions: Object.fromEntries(
      Object.entries(summary.steps).flatMap(([k, v]) =>
        v.partitions ? [[k, `${v.partitions.full ? 'full ' : ''}${v.partitions.keys.length}`]] : [],
      ),
    ),
    ...(loadTimings
      ? {
          warehouse: Object.fromEntries(
            Object.entries(loadTimings).map(([k, ms]) => [k, Number((ms / 1000).toFixed(1))]),
          ),
        }
      : {}),
  };
}

try {
  // Hard links, not copies (the runner only reads its source); a copy when the data is on another file system.
  const place = (from: string, to: string) => {
    try {
      fs.linkSync(from, to);
    } catch {
      fs.copyFileSync(from, to);
    }
  };
  for (const f of fs.readdirSync(path.join(data, 'history')))
    place(path.join(data, 'history', f), path.join(source, f));
  const first = measure('incremental');
  console.error(`first run over the history: ${first.seconds} s`);
  place(path.join(data, 'new-day', `${NEW_DAY}.csv`), path.join(source, `${NEW_DAY}.csv`));
  const incremental = measure('incremental');
  console.error(`run adding ${NEW_DAY}: ${incremental.seconds} s`);
  // The full rebuild the incremental run replaces: a fresh lake and schema over the same files, history + new day.
  const full = measure('full');
  console.error(`full run over history + ${NEW_DAY}: ${full.seconds} s`);
  const result = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))),
    historyRows: generated.historyRows,
    historyDays: generated.days,
    newDayRows: generated.dayRows,
    first,
    incremental,
    full,
    ratios: {
      incrementalToFullTime: Number((incremental.seconds / full.seconds).toFixed(3)),
      incrementalToFullPeakRss: Number((incremental.peakRssGiB / full.peakRssGiB).toFixed(3)),
    },
  };
  console.log(JSON.stringify(result, null, 2));
  if (values.out) fs.writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
} finally {
  await pg.stop();
  // --keep: the lakes, specs and PostgreSQL data stay for a closer look (the path is printed).
  if (values.keep) console.error(`kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
