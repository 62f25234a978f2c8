import type { Metric } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createOperatorMetrics } from '../../operator/metrics.js';
import { loadAlerts } from './alert-rules.js';

/**
 * The alerts and the operator agree: every medallion_* metric an alert reads is one the operator registers, and every
 * label an alert selects, groups or matches on is one of that metric's labels (or a scrape target label).
 */

// Labels Prometheus adds to every scraped series (the ServiceMonitor or scrape config sets namespace and pod).
const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod'];
const registry = createOperatorMetrics().registry;
const labelNames = (name: string) => {
  const metric = registry.getSingleMetric(name) as (Metric & { labelNames?: string[] }) | undefined;
  return metric ? (metric.labelNames ?? []) : undefined;
};

describe('alert expressions use the operator metrics as registered', () => {
  it.each(loadAlerts().map((a) => [a.alert, a.expr] as const))('%s', (_, expr) => {
    const names = [...new Set(expr.match(/\bmedallion_[a-z_]+/g) ?? [])];
    expect(names.length > 0 || /\bup\{/.test(expr), 'the expression reads no operator metric').toBe(true);
    const known: string[] = [...TARGET_LABELS];
    for (const name of names) {
      const labels = labelNames(name);
      expect(labels, `${name} is not registered by operator/metrics.ts`).toBeDefined();
      known.push(...(labels ?? []));
      // Label matchers written right after the metric name: medallion_x{phase="Failed"}.
      for (const m of expr.matchAll(new RegExp(`${name}\\{([^}]*)\\}`, 'g'))) {
        for (const [, label] of (m[1] ?? '').matchAll(/([a-z_]+)\s*(?:=~|!=|!~|=)/g))
          expect([...TARGET_LABELS, ...(labels ?? [])], `${name}{${label}}`).toContain(label);
      }
    }
    for (const m of expr.matchAll(/\b(?:by|on)\s*\(([^)]*)\)/g)) {
      for (const label of (m[1] ?? '').split(',').map((l) => l.trim()))
        expect(known, `by/on (${label})`).toContain(label);
    }
  });
});
