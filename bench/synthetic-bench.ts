/**
 * Scale benchmark: generates synthetic data (cached by size under --data-dir) and runs the whole runner on it,
 * reporting wall time, peak RSS and rows/s. Usage:
 *   npx tsx bench/synthetic-bench.ts --rows 10000000 [--data-dir /tmp/medallion-synthetic] [--out result.json]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { generate } from './synthetic/generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    'data-dir': { type: 'string', default: path.join(os.tmpdir(), 'medallion-synthetic') },
    'memory-limit': { type: 'string', default: '1GiB' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    'Usage: npx tsx bench/synthetic-bench.ts --rows N [--data-dir DIR] [--memory-limit 1GiB] [--out result.json]',
  );
  process.exit(0);
}
const rows = Number(values.rows);
const data = path.join(values['data-dir']!, `rows-${rows}`);
if (!fs.existsSync(path.join(data, '.complete'))) {
  fs.rmSync(data, { recursive: true, force: true });
  const t = performance.now();
  const g = generate({ rows, out: data, log: (s) => console.error(s) });
  fs.writeFileSync(path.join(data, '.complete'), JSON.stringify(g));
  console.error(
    `generated ${g.rows} rows in ${g.files} files in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-synbench-'));
const spec = path.join(work, 'pipeline.yaml');
fs.writeFileSync(
  spec,
  `apiVersion: medallion.dev/v1alpha1\nkind: Pipeline\nmetadata: { name: synthetic }\nspec:\n  source: { uri: ${data} }\n  enrichment: { enabled: false }\n  engine: { memoryLimit: ${values['memory-limit']} }\n  quality: { minScore: 0.5, maxQuarantineRatio: 1 }\n`,
);
const stdout = execFileSync(
  process.execPath,
  ['--import', 'tsx', path.join(here, 'measure.ts'), 'runner', data, path.join(work, 'lake'), spec],
  {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const m = JSON.parse(stdout.trim().split('\n').pop()!) as { wallMs: number; maxRssBytes: number };
const summary = JSON.parse(fs.readFileSync(path.join(work, 'lake/_runs/latest.json'), 'utf8'));
const result = {
  date: new Date().toISOString(),
  rows,
  status: summary.status,
  wallSeconds: Number((m.wallMs / 1000).toFixed(1)),
  peakRssGiB: Number((m.maxRssBytes / 2 ** 30).toFixed(2)),
  rowsPerSecond: Math.round(rows / (m.wallMs / 1000)),
  steps: Object.fromEntries(
    Object.entries(summary.steps as Record<string, { durationMs: number }>).map(([k, v]) => [
      k,
      v.durationMs,
    ]),
  ),
};
console.log(JSON.stringify(result, null, 2));
if (values.out) fs.writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
fs.rmSync(work, { recursive: true, force: true });
