import { describe, expect, it } from 'vitest';
import { assessQuality, qualityStatus, type SilverCounts } from './assess-quality.js';

const base: SilverCounts = {
  bronzeRows: 1000,
  duplicates: 10,
  silverRows: 980,
  quarantined: 10,
  quarantineByRule: { unparseable: 10 },
  lineTypes: { sale: 980 },
  filledFields: 980 * 7,
};
const spec = {
  minScore: 0.9,
  minScoreSeverity: 'error',
  maxQuarantineRatio: 0.005,
  maxQuarantineRatioSeverity: 'warn',
} as const;

describe('assessQuality', () => {
  it('computes the documented dimensions and weighted score', () => {
    const q = assessQuality(base, spec);
    expect(q.dimensions).toEqual({ completeness: 0.875, validity: 0.9899, uniqueness: 0.99 });
    expect(q.score).toBeCloseTo(0.3 * 0.875 + 0.4 * 0.9899 + 0.3 * 0.99, 4);
  });

  it('a failing warn check degrades, a failing error check fails', () => {
    const q = assessQuality(base, spec);
    expect(q.checks.find((c) => c.name === 'max_quarantine_ratio')).toMatchObject({
      status: 'fail',
      observed: 0.0101,
    });
    expect(qualityStatus(q)).toBe('Degraded');
    expect(qualityStatus(assessQuality(base, { ...spec, minScore: 0.99 }))).toBe('Failed');
    expect(qualityStatus(assessQuality(base, { ...spec, maxQuarantineRatio: 0.02 }))).toBe('Succeeded');
  });

  it('fails reconciliation when a row is unaccounted for', () => {
    const q = assessQuality({ ...base, silverRows: 979 }, spec);
    expect(q.checks[0]).toMatchObject({
      name: 'reconciliation',
      status: 'fail',
      observed: 999,
      threshold: 1000,
    });
    expect(qualityStatus(q)).toBe('Failed');
  });

  it('an empty input is complete, valid and unique', () => {
    const q = assessQuality(
      { ...base, bronzeRows: 0, duplicates: 0, silverRows: 0, quarantined: 0, filledFields: 0 },
      spec,
    );
    expect(q.score).toBe(1);
  });
});
