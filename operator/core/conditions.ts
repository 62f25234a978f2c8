import type { Condition } from '../spec/common.js';

/**
 * Sets a condition, keeping lastTransitionTime when the status did not change (the metav1.Condition contract that
 * tools like Argo CD and `kubectl wait` depend on).
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime' | 'message'> & { message?: string },
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = prev && prev.status === next.status ? prev.lastTransitionTime : k8sTime(now);
  const cond: Condition = { ...next, message: next.message ?? '', lastTransitionTime };
  if (i >= 0) list[i] = cond;
  else list.push(cond);
  return list;
}

/** RFC 3339 with second precision, as Kubernetes stores metav1.Time. */
export function k8sTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
