import { describe, expect, it } from 'vitest';
import { checkResult } from '../quality/check-result-fixture.js';
import { briefChecks, failingSeverity, formatChecksLine, stepChecks, summaryChecks } from './checks-brief.js';

const results = [
  checkResult({ name: 'lines_rowcount', kind: 'rowCount', status: 'passed' }),
  checkResult({ name: 'price_range', kind: 'range', severity: 'warn', status: 'failed', failingRows: 3 }),
  checkResult({ name: 'invoice_not_null', status: 'failed', failingRows: 12 }),
  checkResult({ name: 'daily_lines', kind: 'anomaly', severity: 'warn', status: 'insufficientHistory' }),
  checkResult({ name: 'custom_sql', kind: 'sql', severity: 'warn', status: 'errored', message: 'timed out' }),
];

describe('briefChecks', () => {
  it('counts by outcome and lists the failing names error severity first', () => {
    const b = briefChecks(results);
    expect(b).toEqual({
      passed: 1,
      failed: 1,
      warned: 2,
      insufficientHistory: 1,
      failing: ['invoice_not_null', 'price_range', 'custom_sql'],
    });
    expect(b.failing.map((_, i) => failingSeverity(b, i))).toEqual(['error', 'warn', 'warn']);
  });

  it('clips long names and keeps the names within the byte budget, the counts exact', () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      checkResult({ name: `${'x'.repeat(80)}-${i}`, status: 'failed' }),
    );
    const b = briefChecks(many, 300);
    expect(b.failed).toBe(200);
    expect(b.failing.length).toBeGreaterThan(0);
    expect(b.failing.length).toBeLessThan(200);
    expect(Buffer.byteLength(JSON.stringify(b.failing))).toBeLessThanOrEqual(300);
    for (const n of b.failing) expect(n.length).toBe(63);
    // Even short names stop at 64, the schema's limit.
    const short = Array.from({ length: 100 }, (_, i) => checkResult({ name: `c${i}`, status: 'failed' }));
    expect(briefChecks(short).failing).toHaveLength(64);
  });
});

describe('summary readers', () => {
  it('reads the checks of the steps that carry them and ignores malformed entries', () => {
    const steps = {
      bronze: { status: 'Succeeded' },
      silver: { status: 'Succeeded', checks: [results[0], { name: 'broken' }] },
      gold: { status: 'Succeeded', checks: [results[2]] },
    };
    expect(summaryChecks(steps).map((c) => c.name)).toEqual(['lines_rowcount', 'invoice_not_null']);
    expect(stepChecks({ checks: 'nope' })).toEqual([]);
  });

  it('writes one line for people, or none without checks', () => {
    expect(formatChecksLine(results)).toBe(
      'checks: 1 passed, 1 failed (invoice_not_null), 2 warned (price_range, custom_sql), 1 awaiting history',
    );
    expect(formatChecksLine([])).toBeUndefined();
  });
});
