import { joinKey, readText, type Storage } from '../../storage/storage.js';
import type { HistoryPoint } from './anomaly.js';

/**
 * The history anomaly checks read, kept in the lake apart from the layer versions so that pruning a version never
 * loses it: one small append-only object per run that measured something,
 * `_quality/<dataset>/metrics/<runId>.json` = { runId, points: { <check>: [{ key, date, value }] } }.
 * A later run's point for the same key (a partition recomputed) replaces the earlier one.
 */

export type MetricPoints = Record<string, HistoryPoint[]>;

const prefix = (dataset: string): string => joinKey('_quality', dataset, 'metrics') + '/';

export async function readMetricHistory(storage: Storage, dataset: string): Promise<MetricPoints> {
  const objects = (await storage.list(prefix(dataset))).filter((o) => o.key.endsWith('.json'));
  const texts = await Promise.all(objects.map((o) => readText(storage, o.key)));
  const merged = new Map<string, Map<string, HistoryPoint>>();
  // Keys are run ids, which sort by time: later runs are applied last.
  for (const t of texts) {
    if (!t) continue;
    const doc = JSON.parse(t.text) as { points: MetricPoints };
    for (const [check, points] of Object.entries(doc.points)) {
      const m = merged.get(check) ?? new Map<string, HistoryPoint>();
      for (const p of points) m.set(p.key, p);
      merged.set(check, m);
    }
  }
  return Object.fromEntries([...merged].map(([check, m]) => [check, [...m.values()]]));
}

export async function appendMetricHistory(
  storage: Storage,
  dataset: string,
  runId: string,
  points: MetricPoints,
): Promise<void> {
  if (Object.keys(points).length === 0) return;
  await storage.put(`${prefix(dataset)}${runId}.json`, JSON.stringify({ runId, points }));
}
