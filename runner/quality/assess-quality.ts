import type { PipelineSpec } from '../spec/pipeline-spec.js';

export interface SilverCounts {
  bronzeRows: number;
  duplicates: number;
  silverRows: number;
  quarantined: number;
  quarantineByRule: Record<string, number>;
  lineTypes: Record<string, number>;
  /** Non-null canonical fields summed over silver rows (8 per row at most). */
  filledFields: number;
}

interface QualityCheck {
  name: string;
  severity: 'error' | 'warn';
  status: 'pass' | 'fail';
  observed: number;
  threshold: number;
}

export interface QualityReport {
  score: number;
  dimensions: { completeness: number; validity: number; uniqueness: number };
  checks: QualityCheck[];
}

/** Weights of the overall score (docs/quality.md explains the choice). */
const QUALITY_WEIGHTS = { completeness: 0.3, validity: 0.4, uniqueness: 0.3 } as const;

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);

/**
 * Pure: dimensions, score and checks from the silver counts.
 * completeness = filled canonical fields / (8 × silver rows); validity = silver rows / unique rows;
 * uniqueness = 1 − duplicates / bronze rows; score = weighted mean.
 */
export function assessQuality(
  c: SilverCounts,
  quality: Omit<PipelineSpec['quality'], 'checks'>,
): QualityReport {
  const unique = c.bronzeRows - c.duplicates;
  const dimensions = {
    completeness: round4(ratio(c.filledFields, 8 * c.silverRows)),
    validity: round4(ratio(c.silverRows, unique)),
    uniqueness: c.bronzeRows === 0 ? 1 : round4(1 - c.duplicates / c.bronzeRows),
  };
  const score = round4(
    dimensions.completeness * QUALITY_WEIGHTS.completeness +
      dimensions.validity * QUALITY_WEIGHTS.validity +
      dimensions.uniqueness * QUALITY_WEIGHTS.uniqueness,
  );
  const quarantineRatio = round4(unique === 0 ? 0 : c.quarantined / unique);
  const accounted = c.silverRows + c.quarantined + c.duplicates;
  const checks: QualityCheck[] = [
    {
      name: 'reconciliation',
      severity: 'error',
      status: accounted === c.bronzeRows ? 'pass' : 'fail',
      observed: accounted,
      threshold: c.bronzeRows,
    },
    {
      name: 'min_score',
      severity: quality.minScoreSeverity,
      status: score >= quality.minScore ? 'pass' : 'fail',
      observed: score,
      threshold: quality.minScore,
    },
    {
      name: 'max_quarantine_ratio',
      severity: quality.maxQuarantineRatioSeverity,
      status: quarantineRatio <= quality.maxQuarantineRatio ? 'pass' : 'fail',
      observed: quarantineRatio,
      threshold: quality.maxQuarantineRatio,
    },
  ];
  return { score, dimensions, checks };
}

/** Failed error checks fail the step; failed warn checks degrade it. */
export function qualityStatus(report: QualityReport): 'Succeeded' | 'Degraded' | 'Failed' {
  const failed = report.checks.filter((c) => c.status === 'fail');
  if (failed.some((c) => c.severity === 'error')) return 'Failed';
  return failed.length > 0 ? 'Degraded' : 'Succeeded';
}
