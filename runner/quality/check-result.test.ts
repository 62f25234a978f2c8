import { describe, expect, it } from 'vitest';
import { tallyChecks, type CheckResult } from './check-result.js';

const result = (name: string, severity: 'error' | 'warn', status: CheckResult['status']): CheckResult => ({
  name,
  kind: 'rowCount',
  severity,
  status,
  layer: 'silver',
  table: 'sales_lines',
  scope: 'table',
  failingRows: status === 'passed' ? 0 : 1,
  message: '',
  durationSeconds: 0,
});

describe('tallyChecks', () => {
  it('counts each status and lists failing checks, error severity first', () => {
    const t = tallyChecks([
      result('a', 'warn', 'failed'),
      result('b', 'error', 'passed'),
      result('c', 'error', 'errored'),
      result('d', 'warn', 'insufficientHistory'),
    ]);
    expect(t).toEqual({ passed: 1, failed: 1, warned: 1, insufficientHistory: 1, failing: ['c', 'a'] });
  });
});
