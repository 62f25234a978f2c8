import { expect } from 'vitest';

type Obj = Record<string, unknown>;

/**
 * A finished run's `status.quality` is the silver report's score plus the declared checks of every step report,
 * summed by the operator; none of the sample's checks fails.
 */
export function expectRunQualityFromReports(quality: unknown, reports: readonly Obj[]): void {
  const { checks, ...score } = quality as Obj & { checks?: Obj };
  expect(score).toEqual(reports[1]?.quality);
  const sum = (k: string): number =>
    reports.reduce((n, r) => n + Number((r.checks as Record<string, number> | undefined)?.[k] ?? 0), 0);
  expect(sum('passed')).toBeGreaterThan(0);
  expect(checks).toEqual({
    passed: sum('passed'),
    failed: sum('failed'),
    warned: sum('warned'),
    insufficientHistory: sum('insufficientHistory'),
    failing: [],
  });
}
