import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RUNBOOK_BASE, kebab, loadAlerts } from '../alerts/alert-rules.js';
import { CHART_DIR, ROOT, byKind, ensureNamespaces, helm, kubectl, one, render } from './chart.js';
import { GRAFANA_DIR } from './dashboards/build-dashboards.js';
import { checkQuery, dashboardQueries, references } from './dashboards/dashboard-check.js';
import { DASHBOARD_FILES, readDashboard, readExported } from './dashboards/dashboards.js';

/**
 * The values kube-prometheus-stack users set: additionalLabels on the monitoring objects (its default selectors
 * match `release: <name>`), excludeRules and runbook_url on the PrometheusRule, and the Grafana dashboards ConfigMap
 * for its Grafana sidecar; each rendered object accepted by the real apiserver (server-side dry run).
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered manifests

const dryRun = (text: string) => kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], text);
const NS = 'medallion-monitoring';
const KPS = ['--set', 'serviceMonitor.enabled=true', '--set', 'prometheusRule.enabled=true'];
const alertsOf = (rule: Obj): Obj[] =>
  rule.spec.groups.flatMap((g: Obj) => g.rules).filter((r: Obj) => r.alert);

describe('additionalLabels', () => {
  const labelled = (extra: string[]) =>
    render('m', NS, [
      ...extra,
      '--set',
      'serviceMonitor.additionalLabels.release=kps',
      '--set',
      'podMonitor.additionalLabels.release=kps',
      '--set',
      'prometheusRule.additionalLabels.release=kps',
      '--set',
      'grafanaDashboards.additionalLabels.release=kps',
      '--set',
      'grafanaDashboards.enabled=true',
    ]);

  it('put release: <name> on the ServiceMonitor, PodMonitor, PrometheusRule and dashboards ConfigMap, and are accepted', () => {
    ensureNamespaces([NS]);
    const withService = labelled(KPS);
    const withPods = labelled(['--set', 'podMonitor.enabled=true', '--set', 'prometheusRule.enabled=true']);
    const objects = [
      one(withService, 'ServiceMonitor', 'medallion'),
      one(withService, 'PrometheusRule', 'medallion'),
      one(withService, 'ConfigMap', '-grafana-dashboards'),
      one(withPods, 'PodMonitor', 'medallion'),
    ];
    for (const o of objects) {
      expect(o.metadata.labels?.release, o.kind).toBe('kps');
      // The chart's own labels stay: the release label is added, not a replacement.
      expect(o.metadata.labels?.['app.kubernetes.io/instance'], o.kind).toBe('m');
    }
    const r = dryRun(objects.map((o) => JSON.stringify(o)).join('\n'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/\(server dry run\)/g)).toHaveLength(4);
  });

  it('default to none: without them the objects carry only the chart labels', () => {
    const docs = render('m', NS, KPS);
    for (const kind of ['ServiceMonitor', 'PrometheusRule'])
      expect(one(docs, kind, 'medallion').metadata.labels?.release, kind).toBeUndefined();
  });
});

describe('PodMonitor', () => {
  it('scrapes the operator (honouring its namespace label) and the API pods through their container ports', () => {
    const docs = render('m', NS, ['--set', 'podMonitor.enabled=true']);
    const pm = one(docs, 'PodMonitor', 'medallion') as Obj;
    expect(pm.spec.podMetricsEndpoints.map((e: Obj) => [e.port, e.honorLabels ?? false])).toEqual([
      ['http-metrics', true],
      ['http', false],
    ]);
    const ports = byKind(docs, 'Deployment').flatMap((d) =>
      (d as Obj).spec.template.spec.containers[0].ports.map((p: Obj) => p.name),
    );
    for (const e of pm.spec.podMetricsEndpoints) expect(ports).toContain(e.port);
  });

  it('refuses to be enabled with the ServiceMonitor (every series would be scraped twice)', () => {
    const r = helm([
      'template',
      'm',
      CHART_DIR,
      '--set',
      'podMonitor.enabled=true',
      '--set',
      'serviceMonitor.enabled=true',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/enable one of them/);
  });
});

describe('PrometheusRule', () => {
  const rule = (args: string[] = []) =>
    one(render('m', NS, [...KPS, ...args]), 'PrometheusRule', 'medallion') as Obj;

  it('with the defaults is the plain rules file unchanged', () => {
    const file = parse(readFileSync(join(CHART_DIR, 'files/prometheus/medallion-rules.yaml'), 'utf8')) as Obj;
    expect(rule().spec.groups).toEqual(file.groups);
  });

  it('leaves out the alerts named in excludeRules, and only those', () => {
    const all = loadAlerts().map((a) => a.alert);
    const excluded = ['MedallionRunFailed', 'MedallionOperatorNoLeader'];
    const r = rule(['--set', `prometheusRule.excludeRules={${excluded.join(',')}}`]);
    expect(alertsOf(r).map((a) => a.alert)).toEqual(all.filter((a) => !excluded.includes(a)));
    ensureNamespaces([NS]);
    const d = dryRun(JSON.stringify(r));
    expect(d.status, d.stderr).toBe(0);
  });

  it('drops a group whose alerts are all excluded (an empty group is invalid) and fails on an unknown name', () => {
    const operatorAlerts = [
      'MedallionOperatorDown',
      'MedallionOperatorNoLeader',
      'MedallionReconcileErrorsRising',
    ];
    const r = rule(['--set', `prometheusRule.excludeRules={${operatorAlerts.join(',')}}`]);
    expect(r.spec.groups.map((g: Obj) => g.name)).toEqual(['medallion-pipelines']);
    const typo = helm([
      'template',
      'm',
      CHART_DIR,
      ...KPS,
      '--set',
      'prometheusRule.excludeRules={MedallionRunFailedd}',
    ]);
    expect(typo.status).not.toBe(0);
    expect(typo.stderr).toMatch(/"MedallionRunFailedd" is not an alert/);
  });

  it('gives every alert a runbook_url under runbookBaseUrl, pointing at its page in docs/runbooks/', () => {
    for (const base of [
      'https://wiki.example.com/medallion/runbooks',
      'https://wiki.example.com/medallion/runbooks/',
    ]) {
      const alerts = alertsOf(rule(['--set', `prometheusRule.runbookBaseUrl=${base}`]));
      expect(alerts).toHaveLength(loadAlerts().length);
      for (const a of alerts) {
        expect(a.annotations.runbook_url).toBe(
          `https://wiki.example.com/medallion/runbooks/${kebab(a.alert)}.md`,
        );
        // The page behind the default URL is in the repository.
        expect(readFileSync(join(ROOT, 'docs/runbooks', `${kebab(a.alert)}.md`), 'utf8')).toContain(a.alert);
      }
    }
    expect(alertsOf(rule()).map((a) => a.annotations.runbook_url)).toEqual(
      loadAlerts().map((a) => `${RUNBOOK_BASE}${kebab(a.alert)}.md`),
    );
  });
});

describe('Grafana dashboards ConfigMap', () => {
  const configMap = (args: string[] = []) =>
    one(
      render('m', NS, ['--set', 'grafanaDashboards.enabled=true', ...args]),
      'ConfigMap',
      '-grafana-dashboards',
    ) as Obj;

  it('is not rendered unless enabled', () => {
    expect(render('m', NS).filter((d) => d.metadata.name.endsWith('-grafana-dashboards'))).toEqual([]);
  });

  it('carries the sidecar label grafana_dashboard: "1" and a folder annotation, all configurable', () => {
    const cm = configMap();
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'Medallion' });
    expect(cm.metadata.namespace).toBe(NS);
    const custom = configMap([
      '--set',
      'grafanaDashboards.label=dashboards',
      '--set-string',
      'grafanaDashboards.labelValue=medallion',
      '--set',
      'grafanaDashboards.namespace=monitoring',
      '--set',
      'grafanaDashboards.folderAnnotation=k8s-sidecar-target-directory',
      '--set',
      'grafanaDashboards.folder=/tmp/dashboards/Medallion',
    ]);
    expect(custom.metadata.labels.dashboards).toBe('medallion');
    expect(custom.metadata.labels.grafana_dashboard).toBeUndefined();
    expect(custom.metadata.namespace).toBe('monitoring');
    expect(custom.metadata.annotations).toEqual({
      'k8s-sidecar-target-directory': '/tmp/dashboards/Medallion',
    });
    expect(configMap(['--set', 'grafanaDashboards.folder=']).metadata.annotations).toBeUndefined();
    ensureNamespaces(['monitoring']);
    const r = dryRun(JSON.stringify(custom));
    expect(r.status, r.stderr).toBe(0);
  });

  it('holds the three dashboards byte for byte, each with the ${DS_PROMETHEUS} datasource variable on every panel', () => {
    const cm = configMap();
    expect(Object.keys(cm.data).sort()).toEqual(
      DASHBOARD_FILES.map((f) => f.slice(GRAFANA_DIR.length + 1)).sort(),
    );
    for (const file of DASHBOARD_FILES) {
      const name = file.slice(GRAFANA_DIR.length + 1);
      expect(cm.data[name], name).toBe(readFileSync(file, 'utf8'));
      const d = readDashboard(file) as Obj;
      expect(d.templating.list[0]).toMatchObject({
        name: 'DS_PROMETHEUS',
        type: 'datasource',
        query: 'prometheus',
      });
      for (const p of d.panels.filter((x: Obj) => x.type !== 'row')) {
        expect(p.datasource, `${name} ${p.title}`).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
        expect(p.targets.length, `${name} ${p.title}`).toBeGreaterThan(0);
      }
    }
    // Grafana reads uid and title; two dashboards with one uid would overwrite each other.
    const uids = DASHBOARD_FILES.map((f) => (readDashboard(f) as Obj).uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('are what build-dashboards.ts writes from panels.ts', () => {
    const r = (() => {
      try {
        execFileSync(
          process.execPath,
          ['--import', 'tsx', 'test/chart/dashboards/build-dashboards.ts', '--check'],
          {
            cwd: ROOT,
            stdio: 'pipe',
          },
        );
        return 0;
      } catch (e) {
        return (e as { status: number }).status;
      }
    })();
    expect(r, 'stale: run node --import tsx test/chart/dashboards/build-dashboards.ts').toBe(0);
  });
});

describe('dashboard queries (static check)', () => {
  const exported = readExported();
  const queries = DASHBOARD_FILES.flatMap((f) => dashboardQueries(readDashboard(f)));

  it('name only metrics and labels the operator and the API export (exported-metrics.json, from their real /metrics)', () => {
    expect(queries.length).toBeGreaterThan(30);
    expect(queries.flatMap((q) => checkQuery(q, exported))).toEqual([]);
  });

  it('fail on a metric or a label no component exports', () => {
    const q = (expr: string, legend?: string) =>
      checkQuery({ dashboard: 'd', panel: 'p', expr, ...(legend ? { legend } : {}) }, exported);
    expect(q('sum(rate(medallion_reconcile_totl[5m]))')).toEqual([
      'd / p: metric medallion_reconcile_totl is not exported',
    ]);
    expect(q('sum by (controler) (rate(medallion_reconcile_total[5m]))')).toHaveLength(1);
    expect(q('medallion_queue_depth{controller="run",phase="x"}')).toEqual([
      'd / p: label phase is not on medallion_queue_depth',
    ]);
    expect(q('medallion_leader', '{{pipeline}}')).toHaveLength(1);
    // Each real query, with one metric renamed, fails.
    for (const { expr } of queries.filter((x) => !x.panel.startsWith('variable ')).slice(0, 40)) {
      const name = references(expr).metrics.find((m) => m !== 'up');
      if (!name) continue;
      expect(q(expr.replaceAll(name, `${name}_x`)).length, expr).toBeGreaterThan(0);
    }
  });
});
