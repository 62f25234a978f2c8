import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { Exported } from './dashboard-check.js';
import { GRAFANA_DIR } from './build-dashboards.js';
import { DASHBOARDS } from './panels.js';

/** The chart's dashboard files, and the list of what the components export (written by the Prometheus e2e test). */

export const DASHBOARD_FILES = DASHBOARDS.map((d) => join(GRAFANA_DIR, d.file));

export const readDashboard = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

/** Metric and label names from the real /metrics output of the operator and the API (no values). */
export const EXPORTED_METRICS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'exported-metrics.json');

/** As the repository's prettier formats it, so `prettier --check .` accepts the file. */
export async function exportedToJson(byComponent: Record<string, Exported>): Promise<string> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const [component, exported] of Object.entries(byComponent))
    out[component] = Object.fromEntries(
      [...exported.metrics.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, labels]) => [name, [...labels].sort()]),
    );
  const options = (await resolveConfig(EXPORTED_METRICS_FILE)) ?? {};
  return format(JSON.stringify(out), { ...options, filepath: EXPORTED_METRICS_FILE });
}

/** Every component's metrics merged, as the static check reads them. */
export function readExported(file = EXPORTED_METRICS_FILE): Exported {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string[]>>;
  const metrics = new Map<string, Set<string>>();
  for (const component of Object.values(json))
    for (const [name, labels] of Object.entries(component))
      metrics.set(name, new Set([...(metrics.get(name) ?? []), ...labels]));
  return { metrics };
}
