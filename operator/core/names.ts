import { createHash } from 'node:crypto';

/** Label keys linking Jobs, runs, schedules and pipelines; selectors and `kubectl get -l` rely on them. */
export const LABELS = {
  pipeline: 'medallion.dev/pipeline',
  schedule: 'medallion.dev/schedule',
  run: 'medallion.dev/run',
  step: 'medallion.dev/step',
  attempt: 'medallion.dev/attempt',
  managedBy: 'app.kubernetes.io/managed-by',
  partOf: 'app.kubernetes.io/part-of',
  component: 'app.kubernetes.io/component',
} as const;

export const ANNOTATIONS = {
  scheduledTime: 'medallion.dev/scheduled-time',
} as const;

export const FIELD_MANAGER = 'medallion-operator';

/**
 * Joins name parts with "-" and, when the result would exceed `max` (63: Job names end up in pod labels), keeps a
 * prefix and appends a hash of the full name, so long names stay unique and deterministic.
 */
export function boundedName(parts: (string | number)[], max = 63): string {
  const full = parts.join('-');
  if (full.length <= max) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  const prefix = full.slice(0, max - hash.length - 1).replace(/[-.]+$/, '');
  return `${prefix}-${hash}`;
}

/** Label values are at most 63 characters; longer names are shortened the same deterministic way. */
export function labelValue(value: string): string {
  return boundedName([value]);
}
