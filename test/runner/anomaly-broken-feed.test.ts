import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { CheckResult } from '../../runner/quality/check-result.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';

/**
 * The example pipeline's anomaly check (default settings, raised to severity error) on the real data, one
 * incremental run per day from 2011-07-10 to 2011-08-04 after four weeks of history. On 2011-07-21 the feed
 * arrives broken (the first half of its lines only): that run must fail on the check, publish nothing, and name
 * the day; once the full file is re-delivered, it and every normal day around it pass.
 */
const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/online-retail/pipeline.yaml');
const BROKEN = '2011-07-21';

const exampleAnomaly = (): Record<string, unknown> => {
  const spec = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8')) as {
    spec: { quality: { checks: { kind: string; metric?: string }[] } };
  };
  const c = spec.spec.quality.checks.find((x) => x.kind === 'anomaly' && x.metric === 'rowCount');
  if (!c) throw new Error('the example pipeline declares no rowCount anomaly check');
  return { ...c, severity: 'error' };
};

describe('anomaly check on the real data: a broken feed on one day', () => {
  let f: Fixture;
  const days = new Map<string, { summary: RunSummary; check: CheckResult | undefined }>();
  let broken: {
    summary: RunSummary;
    check: CheckResult | undefined;
    silverBefore: string;
    silverAfter: string;
  };
  const check = (s: RunSummary) =>
    ((s.steps.silver?.checks ?? []) as CheckResult[]).find((c) => c.kind === 'anomaly');
  const current = () => fs.readFileSync(path.join(f.lakeDir, 'silver', 'online_retail', 'CURRENT'), 'utf8');

  beforeAll(async () => {
    const c = exampleAnomaly();
    f = createFixture(
      `  enrichment: { enabled: false }\n  quality:\n    minScore: 0\n    maxQuarantineRatio: 1\n    checks:\n      - ${JSON.stringify(c)}`,
      '    onChangedFile: reingest',
    );
    const dir = fullDataDir();
    const files = fs
      .readdirSync(dir)
      .filter((x) => x.endsWith('.csv'))
      .sort();
    const copy = (name: string) => f.write(name, fs.readFileSync(path.join(dir, name)));
    // Four weeks of history in one run: no weekday has four earlier values yet, so nothing is judged.
    for (const name of files.filter((x) => x >= '2011-06-12' && x < '2011-07-10')) copy(name);
    const first = await f.run({ steps: ['bronze', 'silver'] });
    days.set('history', { summary: first, check: check(first) });
    for (const name of files.filter((x) => x >= '2011-07-10' && x <= '2011-08-04')) {
      const day = name.slice(0, 10);
      if (day === BROKEN) {
        const text = fs.readFileSync(path.join(dir, name), 'utf8').trimEnd().split('\n');
        const half = text.slice(0, 1 + Math.floor((text.length - 1) / 2));
        f.write(name, half.join('\n') + '\n');
        const silverBefore = current();
        const s = await f.run({ steps: ['bronze', 'silver'] });
        broken = { summary: s, check: check(s), silverBefore, silverAfter: current() };
      }
      copy(name);
      const s = await f.run({ steps: ['bronze', 'silver'] });
      days.set(day, { summary: s, check: check(s) });
    }
  }, 600_000);
  afterAll(() => f?.cleanup());

  it('the history run judges nothing yet', () => {
    expect(days.get('history')!.check).toMatchObject({ status: 'insufficientHistory' });
  });

  it('the broken day fails the silver step on the anomaly check (error) and publishes nothing', async () => {
    expect(broken.summary.status).toBe('Failed');
    expect(broken.summary.steps.silver).toMatchObject({ status: 'Failed' });
    expect(broken.summary.steps.silver!.note).toMatch(
      /quality check failed: daily-lines-anomaly; nothing published/,
    );
    expect(broken.check).toMatchObject({ status: 'failed', severity: 'error', failingRows: 1 });
    expect(broken.check!.message).toContain(BROKEN);
    expect(broken.silverAfter).toBe(broken.silverBefore);
    const [row] = await f.query(
      `SELECT * FROM read_parquet('${path.join(f.lakeDir, broken.check!.sampleKey!)}')`,
    );
    expect(row).toMatchObject({ key: BROKEN });
    expect(Number(row!.change)).toBeLessThan(-0.4);
  });

  it('every normal day around it, and the day once re-delivered whole, passes', () => {
    const judged = [...days].filter(([d]) => d !== 'history');
    expect(judged.length).toBeGreaterThan(15);
    for (const [day, r] of judged) {
      expect({ day, status: r.summary.status }).toEqual({ day, status: 'Succeeded' });
      expect({ day, check: r.check?.status }).toEqual({ day, check: 'passed' });
    }
    expect(days.get(BROKEN)!.check!.message).toMatch(/within history/);
  });
});
