import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT, RUNBOOK_BASE, kebab, loadAlerts } from './alert-rules.js';

/** Every alert is actionable: a severity, a summary, a description and a runbook page that exists and names it. */

const alerts = loadAlerts();

describe('Prometheus alerts', () => {
  it('cover what the issue asks for', () => {
    // One alert per situation in the issue (operator down and no leader are two alerts).
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      [
        'MedallionEnrichmentProviderDegraded',
        'MedallionOperatorDown',
        'MedallionOperatorNoLeader',
        'MedallionPipelineStale',
        'MedallionQualityBelowThreshold',
        'MedallionQualityCheckWarning',
        'MedallionReconcileErrorsRising',
        'MedallionRunFailed',
        'MedallionRunWaitingForSlot',
        'MedallionScheduledRunMissed',
        'MedallionTriggerErrors',
      ].sort(),
    );
  });

  it.each(alerts.map((a) => [a.alert, a] as const))(
    '%s has a severity, a summary and a description',
    (_, a) => {
      expect(['critical', 'warning', 'info']).toContain(a.labels?.severity);
      expect(a.annotations?.summary?.length).toBeGreaterThan(10);
      expect(a.annotations?.description?.length).toBeGreaterThan(40);
    },
  );

  it.each(alerts.map((a) => [a.alert, a] as const))(
    '%s links to a runbook that exists and names it',
    (_, a) => {
      const url = a.annotations?.runbook_url ?? '';
      expect(url).toBe(`${RUNBOOK_BASE}${kebab(a.alert)}.md`);
      const file = `${ROOT}/docs/runbooks/${kebab(a.alert)}.md`;
      expect(existsSync(file), `${file} is missing`).toBe(true);
      const text = readFileSync(file, 'utf8');
      expect(text).toContain(a.alert);
      // The runbook layout the project promises: what it means, impact, diagnosis (with commands), mitigation.
      for (const heading of ['## Meaning', '## Impact', '## Diagnosis', '## Mitigation'])
        expect(text, `${file} lacks "${heading}"`).toContain(heading);
      expect(text).toMatch(/```sh\n(kubectl|medallion|node bin\/medallion\.js) /);
    },
  );

  it.each(alerts.map((a) => [a.alert, a] as const))('%s has its own promtool test file', (_, a) => {
    const file = `${ROOT}/test/alerts/${kebab(a.alert).replace(/^medallion-/, '')}.yaml`;
    expect(existsSync(file), `${file} is missing`).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain(`alertname: ${a.alert}`);
  });
});
