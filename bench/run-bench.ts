/**
 * Side-by-side benchmark: the runner and the floor (plain DuckDB SQL) on the same data, alternating, in one run.
 * Reports median wall time, peak RSS and the ratio. Usage:
 *   npx tsx bench/run-bench.ts [--source DIR] [--rounds N] [--out results.json]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const { values } = parseArgs({
  options: {
    source: {
      type: 'string',
      default: path.resolve(repo, '../shared/data/online-retail/online-retail-by-day'),
    },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('Usage: npx tsx bench/run-bench.ts [--source DIR] [--rounds N] [--out results.json]');
  process.exit(0);
}
const source = path.resolve(values.source!);
if (!fs.existsSync(source)) {
  console.error(
    `error: benchmark data not found at ${source}\nhint: place ../shared/data/online-retail beside the repo or pass --source DIR`,
  );
  process.exit(2);
}
const rounds = Number(values.rounds);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-bench-'));
const spec = path.join(work, 'pipeline.yaml');
fs.writeFileSync(
  spec,
  `apiVersion: medallion.dev/v1alpha1\nkind: Pipeline\nmetadata: { name: bench }\nspec:\n  source: { uri: ${source} }\n  # The floor has no enrichment; compare like with like.\n  enrichment: { enabled: false }\n`,
);

interface Sample {
  job: string;
  wallMs: number;
  maxRssBytes: number;
}
const measure = (job: 'floor' | 'runner'): Sample => {
  const out = path.join(work, job);
  fs.rmSync(out, { recursive: true, force: true });
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'measure.ts'), job, source, out, spec],
    { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Sample;
};

const samples: Record<string, Sample[]> = { floor: [], runner: [] };
for (let i = 0; i < rounds; i++) {
  for (const job of (i % 2 === 0 ? ['floor', 'runner'] : ['runner', 'floor']) as ('floor' | 'runner')[]) {
    const s = measure(job);
    samples[job]!.push(s);
    console.error(
      `round ${i + 1}/${rounds} ${job}: ${(s.wallMs / 1000).toFixed(2)} s, ${(s.maxRssBytes / 2 ** 30).toFixed(2)} GiB`,
    );
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = Object.fromEntries(
  Object.entries(samples).map(([job, xs]) => [
    job,
    { wallMs: median(xs.map((x) => x.wallMs)), maxRssBytes: Math.max(...xs.map((x) => x.maxRssBytes)) },
  ]),
);
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
  source,
  rounds,
  ...summary,
  ratio: Number((summary.runner!.wallMs / summary.floor!.wallMs).toFixed(2)),
};
console.log(JSON.stringify(result, null, 2));
if (values.out) fs.writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
fs.rmSync(work, { recursive: true, force: true });
