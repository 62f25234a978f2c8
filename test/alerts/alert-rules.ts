import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Reads the shipped Prometheus rules file; shared by the alert checks. */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RULES_FILE = 'charts/medallion/files/prometheus/medallion-rules.yaml';
export const RUNBOOK_BASE = 'https://github.com/medallion-dev/medallion/blob/main/docs/runbooks/';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function loadAlerts(text = readFileSync(`${ROOT}/${RULES_FILE}`, 'utf8')): AlertRule[] {
  const doc = parse(text) as { groups: { rules: (AlertRule | { record: string })[] }[] };
  return doc.groups.flatMap((g) => g.rules).filter((r): r is AlertRule => 'alert' in r);
}

/** MedallionRunFailed → medallion-run-failed (runbook and test file names). */
export const kebab = (alert: string) => alert.replace(/(?<=[a-z])(?=[A-Z])/g, '-').toLowerCase();
