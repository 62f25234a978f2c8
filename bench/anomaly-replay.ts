/**
 * Anomaly detection on the real data replayed day by day (issue 15): the 305 Online Retail files in date order,
 * one incremental run (bronze → silver) per day, with the anomaly checks the example pipeline declares
 * (examples/online-retail/pipeline.yaml, at severity warn so that every day runs). Prints each day the checks flag
 * and why, then the list docs/quality.md quotes.
 *
 *   npx tsx bench/anomaly-replay.ts [--days N] [--out flagged.json] [--resume DIR]
 *
 * --resume DIR continues an interrupted replay in its directory (kept when the script does not finish): the files
 * already in DIR/source are not replayed again.
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
  options: { days: { type: 'string' }, out: { type: 'string' }, resume: { type: 'string' } },
});

const example = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8')) as {
  spec: { source: Record<string, unknown>; rules: unknown; quality: { checks: { kind: string }[] } };
};
const anomalies = example.spec.quality.checks
  .filter((c) => c.kind === 'anomaly')
  .map((c) => ({ ...c, severity: 'warn' }));

const dir = values.resume ?? fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-anomaly-replay-'));
fs.mkdirSync(path.join(dir, 'source'), { recursive: true });
const done = new Set(fs.readdirSync(path.join(dir, 'source')));
const spec = {
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name: 'anomaly-replay' },
  spec: {
    source: { ...example.spec.source, uri: './source' },
    lake: { uri: './lake' },
    rules: example.spec.rules,
    enrichment: { enabled: false },
    quality: { minScore: 0, maxQuarantineRatio: 1, checks: anomalies },
    steps: ['bronze', 'silver'],
  },
};
fs.writeFileSync(path.join(dir, 'pipeline.yaml'), YAML.stringify(spec));
const loaded = await loadSpec(path.join(dir, 'pipeline.yaml'));
const logger = pino({ level: 'silent' });
const progress = createProgressReporter({ format: 'json', logger, write: () => undefined });

const files = fs
  .readdirSync(REAL)
  .filter((f) => f.endsWith('.csv'))
  .sort()
  .slice(0, values.days ? Number(values.days) : undefined)
  .filter((f) => !done.has(f));
const flagged: { day: string; check: string; message: string }[] = [];
let judged = 0;
const started = performance.now();
for (const f of files) {
  fs.copyFileSync(path.join(REAL, f), path.join(dir, 'source', f));
  const s = await runPipeline({ loaded, logger, progress });
  const checks = (s.steps.silver?.checks ?? []) as CheckResult[];
  for (const c of checks) {
    if (c.status === 'passed' || c.status === 'failed') judged++;
    if (c.status === 'failed' || c.status === 'errored') {
      flagged.push({ day: f.slice(0, 10), check: c.name, message: c.message });
      console.log(`${f.slice(0, 10)}  ${c.name}: ${c.message}`);
    }
  }
  if (s.status === 'Failed')
    console.log(`${f.slice(0, 10)}  run failed: ${JSON.stringify(s.error ?? s.steps)}`);
}
console.log(
  `\n${files.length} daily runs in ${Math.round((performance.now() - started) / 1000)} s; ${judged} judgements, ${flagged.length} flags`,
);
if (values.out) fs.writeFileSync(values.out, JSON.stringify(flagged, null, 2));
fs.rmSync(dir, { recursive: true, force: true });
