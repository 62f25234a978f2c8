import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ROOT, RULES_FILE, kebab, loadAlerts } from './alert-rules.js';

/**
 * The promtool tests can fail: for each alert, a rules file where its expression never fires, and one where it
 * always fires, must each make that alert's test file fail. So every alert has a case where it must fire and a case
 * where it must stay silent.
 */

const promtool = process.env.MEDALLION_PROMTOOL || 'promtool';
const dir = mkdtempSync(join(tmpdir(), 'medallion-alerts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function promtoolTest(alert: string, expr: string) {
  const doc = parseDocument(readFileSync(join(ROOT, RULES_FILE), 'utf8'));
  const groups = doc.get('groups') as { items: { get(k: string): { items: unknown[] } }[] };
  let found = 0;
  for (const g of groups.items) {
    for (const r of g.get('rules').items as { get(k: string): unknown; set(k: string, v: unknown): void }[]) {
      if (r.get('alert') === alert) {
        r.set('expr', expr);
        found++;
      }
    }
  }
  expect(found).toBe(1);
  const rules = join(dir, `${kebab(alert)}-rules.yaml`);
  writeFileSync(rules, doc.toString());
  const testName = `${kebab(alert).replace(/^medallion-/, '')}.yaml`;
  const test = readFileSync(join(ROOT, 'test/alerts', testName), 'utf8').replace(
    /^rule_files: \[.*\]$/m,
    `rule_files: [${rules}]`,
  );
  const testFile = join(dir, testName);
  writeFileSync(testFile, test);
  return spawnSync(promtool, ['test', 'rules', testFile], { encoding: 'utf8' });
}

describe('alert tests catch broken expressions', () => {
  it('runs against the real rules first', () => {
    const r = spawnSync(promtool, ['check', 'rules', join(ROOT, RULES_FILE)], { encoding: 'utf8' });
    expect(r.status, r.stderr + r.stdout).toBe(0);
  });

  it.each(loadAlerts().map((a) => [a.alert]))('%s', (alert) => {
    const unchanged = promtoolTest(alert, loadAlerts().find((a) => a.alert === alert)?.expr ?? '');
    expect(unchanged.status, unchanged.stdout + unchanged.stderr).toBe(0);
    const never = promtoolTest(alert, 'vector(1) < 0');
    expect(never.status, 'a never-firing expression passed the tests').toBe(1);
    expect(never.stdout + never.stderr).toContain(`alertname: ${alert}`);
    const always = promtoolTest(alert, 'vector(1)');
    expect(always.status, 'an always-firing expression passed the tests').toBe(1);
    expect(always.stdout + always.stderr).toContain(`alertname: ${alert}`);
  });
});
