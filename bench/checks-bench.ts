/**
 * Cost of declared quality checks (issue 15): a full run (bronze → silver → gold) of the example pipeline on the
 * real data (305 files, 541,909 rows) with its declared checks, next to the same run without them, alternating
 * (A B A B …) in fresh lakes so that both see the same machine load. Enrichment is off in both (no network).
 *
 *   npx tsx bench/checks-bench.ts [--rounds 2] [--out result.json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import YAML from 'yaml';
import type { CheckResult } from '../runner/quality/check-result.js';
import { createProgressReporter } from '../runner/run/progress.js';
import { runPipeline } from '../runner/run/run-pipeline.js';
import { loadSpec } from '../runner/spec/load-spec.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REAL = path.resolve(here, '../../shared/data/online-retail/online-retail-by-day');
const EXAMPLE = path.resolve(here, '../examples/online-retail/pipeline.yaml');
const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '2' }, out: { type: 'string' } },
});

const example = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8')) as {
  spec: {
    source: Record<string, unknown>;
    rules: unknown;
    quality: Record<string, unknown> & { checks: unknown[] };
  };
};

async function fullRun(
  withChecks: boolean,
): Promise<{ seconds: number; checkSeconds: number; checks: number; status: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-checks-bench-'));
  try {
    const spec = {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'checks-bench' },
      spec: {
        source: { ...example.spec.source, uri: REAL },
        lake: { uri: './lake' },
        rules: example.spec.rules,
        enrichment: { enabled: false },
        quality: { ...example.spec.quality, checks: withChecks ? example.spec.quality.checks : [] },
        steps: ['bronze', 'silver', 'gold'],
      },
    };
    fs.writeFileSync(path.join(dir, 'pipeline.yaml'), YAML.stringify(spec));
    const loaded = await loadSpec(path.join(dir, 'pipeline.yaml'));
    const logger = pino({ level: 'silent' });
    const started = performance.now();
    const s = await runPipeline({
      loaded,
      logger,
      progress: createProgressReporter({ format: 'json', logger, write: () => undefined }),
    });
    const seconds = (performance.now() - started) / 1000;
    const checks = ['silver', 'gold'].flatMap((st) => (s.steps[st]?.checks ?? []) as CheckResult[]);
    return {
      seconds,
      checkSeconds: checks.reduce((a, c) => a + c.durationSeconds, 0),
      checks: checks.length,
      status: s.status,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const rows: {
  round: number;
  without: number;
  with: number;
  checkSeconds: number;
  checks: number;
  status: string;
}[] = [];
for (let round = 1; round <= Number(values.rounds); round++) {
  const a = await fullRun(false);
  const b = await fullRun(true);
  rows.push({
    round,
    without: a.seconds,
    with: b.seconds,
    checkSeconds: b.checkSeconds,
    checks: b.checks,
    status: b.status,
  });
  console.log(
    `round ${round}: without checks ${a.seconds.toFixed(1)} s, with ${b.checks} checks ${b.seconds.toFixed(1)} s (checks themselves ${b.checkSeconds.toFixed(2)} s, run ${b.status})`,
  );
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const w = median(rows.map((r) => r.without));
const c = median(rows.map((r) => r.with));
const own = median(rows.map((r) => r.checkSeconds));
console.log(
  `median: without ${w.toFixed(1)} s, with ${c.toFixed(1)} s: +${(((c - w) / w) * 100).toFixed(1)} % wall; the checks' own time ${own.toFixed(2)} s = ${((own / w) * 100).toFixed(1)} % of a run`,
);
if (values.out)
  fs.writeFileSync(
    values.out,
    JSON.stringify({ rows, medianWithout: w, medianWith: c, checkSeconds: own }, null, 2),
  );
