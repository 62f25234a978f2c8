import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import {
  CHART_DIR,
  CI_VALUES,
  byKind,
  ensureNamespaces,
  helm,
  kubectl,
  one,
  render,
  renderText,
  sampleStepJob,
  valuesArgs,
  type KubeDoc,
} from './chart.js';

/**
 * helm lint and helm template over every values file in charts/medallion/ci/, and every rendered object accepted by a
 * server-side dry run against the real apiserver: core kinds by their built-in schemas, ServiceMonitor and
 * PrometheusRule by the published prometheus-operator CRDs, pods by the restricted Pod Security Standard.
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered manifests

const caseName = (file: string) => file.replace(/-values\.yaml$/, '');
const namespacesOf = (docs: KubeDoc[], release: string) => [
  release,
  ...docs.flatMap((d) => (d.metadata.namespace ? [d.metadata.namespace] : [])),
];

/** Server-side dry run of a manifest stream; returns kubectl's result. */
const dryRun = (text: string) => kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], text);

const podTemplate = (d: KubeDoc): Obj => (d as Obj).spec.template;
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each(CI_VALUES)('ci/%s', (file) => {
  const release = `chart-${caseName(file)}`;
  const docs = render(release, release, valuesArgs(file));

  it('passes helm lint --strict', () => {
    const r = helm(['lint', CHART_DIR, '--strict', '--namespace', release, ...valuesArgs(file)]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('is accepted by a server-side dry run, with no Pod Security (restricted) warnings', () => {
    ensureNamespaces(namespacesOf(docs, release));
    const r = dryRun(renderText(release, release, valuesArgs(file)));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    // One "… (server dry run)" line per object: nothing skipped.
    expect(
      r.stdout
        .trim()
        .split('\n')
        .filter((l) => l.endsWith('(server dry run)')),
    ).toHaveLength(docs.length);
  });

  it('labels every object with the standard app.kubernetes.io labels and helm.sh/chart', () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Obj;
    for (const d of docs) {
      expect(d.metadata.labels, `${d.kind}/${d.metadata.name}`).toMatchObject({
        'app.kubernetes.io/name': chart.name,
        'app.kubernetes.io/instance': release,
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/version': chart.appVersion,
        'helm.sh/chart': `${chart.name}-${chart.version}`,
      });
    }
  });

  it('wires selectors to pods: Deployments, Services, PodDisruptionBudgets, NetworkPolicies', () => {
    const pods = byKind(docs, 'Deployment').map((d) => ({ ns: d.metadata.namespace, tpl: podTemplate(d) }));
    for (const d of byKind(docs, 'Deployment')) {
      expect(matches((d as Obj).spec.selector.matchLabels, podTemplate(d).metadata.labels)).toBe(true);
    }
    for (const s of byKind(docs, 'Service')) {
      const targets = pods.filter(
        (p) => p.ns === s.metadata.namespace && matches((s as Obj).spec.selector, p.tpl.metadata.labels),
      );
      expect(targets, `Service ${s.metadata.name}`).toHaveLength(1);
      const ports = (targets[0]?.tpl.spec.containers[0].ports ?? []).map((p: Obj) => p.name);
      for (const p of (s as Obj).spec.ports)
        expect(ports, `${s.metadata.name} targetPort`).toContain(p.targetPort);
    }
    for (const b of byKind(docs, 'PodDisruptionBudget')) {
      const sel = (b as Obj).spec.selector.matchLabels;
      const targets = byKind(docs, 'Deployment').filter((d) => matches(sel, podTemplate(d).metadata.labels));
      expect(targets, `PDB ${b.metadata.name}`).toHaveLength(1);
      expect((targets[0] as Obj).spec.replicas).toBeGreaterThan((b as Obj).spec.minAvailable);
    }
    for (const n of byKind(docs, 'NetworkPolicy').filter((n) => !n.metadata.name.endsWith('-steps'))) {
      const sel = (n as Obj).spec.podSelector.matchLabels;
      const targets = pods.filter((p) => matches(sel, p.tpl.metadata.labels));
      expect(targets, `NetworkPolicy ${n.metadata.name}`).toHaveLength(1);
      const ports = targets[0]?.tpl.spec.containers[0].ports.map((p: Obj) => p.name);
      for (const rule of (n as Obj).spec.ingress) for (const p of rule.ports) expect(ports).toContain(p.port);
    }
  });

  it('runs every container non-root with a read-only root filesystem, no privilege escalation, no capabilities', () => {
    for (const d of byKind(docs, 'Deployment')) {
      const spec = podTemplate(d).spec;
      expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const c of spec.containers) {
        expect(c.securityContext, c.name).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        const tmp = c.volumeMounts.find((m: Obj) => m.mountPath === '/tmp');
        expect(spec.volumes.find((v: Obj) => v.name === tmp?.name)?.emptyDir, `${c.name} /tmp`).toBeDefined();
      }
    }
  });
});

describe('operator Deployment', () => {
  const get = (args: string[]) =>
    podTemplate(one(render('m', 'medallion-system', args), 'Deployment', '-operator'));
  const envOf = (tpl: Obj) =>
    Object.fromEntries(tpl.spec.containers[0].env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));

  it('has two replicas electing a leader through a Lease in its own namespace, named after the pod', () => {
    const d = one(render('m', 'medallion-system'), 'Deployment', '-operator') as Obj;
    expect(d.spec.replicas).toBe(2);
    const env = envOf(d.spec.template);
    expect(env.MEDALLION_LEASE_NAMESPACE).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(d.spec.template.spec.containers[0].args[0]).toBe('operator');
  });

  it('probes /healthz and /readyz on the port it serves them on', () => {
    const tpl = get(['--set', 'operator.port=9191']);
    const c = tpl.spec.containers[0];
    expect(envOf(tpl).MEDALLION_OPERATOR_PORT).toBe('9191');
    expect(c.ports).toEqual([{ name: 'http-metrics', containerPort: 9191, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http-metrics' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http-metrics' });
  });

  it('watches one namespace only in namespace scope', () => {
    expect(envOf(get([])).MEDALLION_WATCH_NAMESPACE).toBeUndefined();
    expect(envOf(get(['--set', 'rbac.scope=namespace'])).MEDALLION_WATCH_NAMESPACE).toBe('medallion-system');
    expect(
      envOf(get(['--set', 'rbac.scope=namespace', '--set', 'watchNamespace=etl'])).MEDALLION_WATCH_NAMESPACE,
    ).toBe('etl');
  });

  it('caps the runs running at once cluster-wide only when told to (0: unlimited)', () => {
    expect(envOf(get([])).MEDALLION_MAX_CONCURRENT_RUNS).toBeUndefined();
    expect(envOf(get(['--set', 'operator.maxConcurrentRuns=5'])).MEDALLION_MAX_CONCURRENT_RUNS).toBe('5');
  });

  it('gives step Jobs the chart image unless told otherwise', () => {
    expect(
      envOf(get(['--set', 'image.repository=r.example/m', '--set', 'image.tag=1.2.3'])).MEDALLION_STEP_IMAGE,
    ).toBe('r.example/m:1.2.3');
    expect(envOf(get(['--set', 'operator.stepImage=other:9'])).MEDALLION_STEP_IMAGE).toBe('other:9');
  });

  it('mounts the file-trigger volumes read-only, even when a mount says otherwise', () => {
    const tpl = get([
      '--set-json',
      'operator.triggerVolumes=[{"name":"incoming","persistentVolumeClaim":{"claimName":"in"}}]',
      '--set-json',
      'operator.triggerVolumeMounts=[{"name":"incoming","mountPath":"/data/in","readOnly":false}]',
    ]);
    expect(tpl.spec.volumes).toContainEqual({ name: 'incoming', persistentVolumeClaim: { claimName: 'in' } });
    expect(tpl.spec.containers[0].volumeMounts).toContainEqual({
      name: 'incoming',
      mountPath: '/data/in',
      readOnly: true,
    });
    expect(get([]).spec.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });
});

describe('values', () => {
  it('are checked against values.schema.json (typos and bad enums are rejected)', () => {
    for (const bad of [
      ['--set', 'operator.replica=2'],
      ['--set', 'rbac.scope=everywhere'],
      ['--set', 'image.digest=latest'],
    ]) {
      const r = helm(['template', 'm', CHART_DIR, ...bad]);
      expect(r.status, bad.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(/schema/);
    }
  });

  it('omit the PodDisruptionBudget of a single replica (it would block node drains)', () => {
    const docs = render('m', 'x', ['--set', 'operator.replicas=1', '--set', 'api.replicas=1']);
    expect(byKind(docs, 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('monitoring objects', () => {
  const docs = render('m', 'medallion-system', valuesArgs('ingress-monitoring-values.yaml'));

  it('embed the plain Prometheus rules file in the PrometheusRule, minus the excludeRules of the values', () => {
    const file = parse(readFileSync(join(CHART_DIR, 'files/prometheus/medallion-rules.yaml'), 'utf8')) as Obj;
    const values = parse(readFileSync(join(CHART_DIR, 'ci/ingress-monitoring-values.yaml'), 'utf8')) as Obj;
    const excluded: string[] = values.prometheusRule.excludeRules;
    expect(excluded.length).toBeGreaterThan(0);
    const expected = file.groups.map((g: Obj) => ({
      ...g,
      rules: g.rules.filter((r: Obj) => !excluded.includes(r.alert)),
    }));
    const rule = one(docs, 'PrometheusRule', 'medallion') as Obj;
    expect(rule.spec.groups).toEqual(expected);
  });

  it('scrape the operator and the API through ports their Services have', () => {
    const sm = one(docs, 'ServiceMonitor', 'medallion') as Obj;
    const services = byKind(docs, 'Service').filter(
      (s) =>
        matches(sm.spec.selector.matchLabels, s.metadata.labels) &&
        sm.spec.selector.matchExpressions[0].values.includes(
          s.metadata.labels?.['app.kubernetes.io/component'],
        ),
    );
    expect(services.map((s) => s.metadata.name).sort()).toEqual([
      'm-medallion-api',
      'm-medallion-operator-metrics',
    ]);
    const portNames = services.flatMap((s) => (s as Obj).spec.ports.map((p: Obj) => p.name));
    for (const e of sm.spec.endpoints) expect(portNames).toContain(e.port);
  });

  it('keep the operator series labels and match the alerts job selector', () => {
    const sm = one(docs, 'ServiceMonitor', 'medallion') as Obj;
    const operatorEndpoint = sm.spec.endpoints.find((e: Obj) => e.port === 'http-metrics');
    // Pipeline series carry their own namespace label; without honorLabels Prometheus renames it exported_namespace.
    expect(operatorEndpoint.honorLabels).toBe(true);
    // prometheus-operator sets job to the Service name; the alerts select the operator by a job regex.
    const rules = readFileSync(join(CHART_DIR, 'files/prometheus/medallion-rules.yaml'), 'utf8');
    const selector = /up\{job=~"([^"]+)"\}/.exec(rules)?.[1];
    expect(selector).toBeDefined();
    expect(new RegExp(`^(?:${selector})$`).test('m-medallion-operator-metrics')).toBe(true);
    expect(new RegExp(`^(?:${selector})$`).test('m-medallion-api')).toBe(false);
  });

  it('are validated by the published schemas: a broken ServiceMonitor and PrometheusRule are rejected', () => {
    ensureNamespaces(['medallion-system']);
    const sm = structuredClone(one(docs, 'ServiceMonitor', 'medallion')) as Obj;
    sm.spec.endpoints[0].interval = 'every minute';
    const r1 = dryRun(JSON.stringify(sm));
    expect(r1.status).not.toBe(0);
    expect(r1.stderr).toMatch(/interval/);
    const pr = structuredClone(one(docs, 'PrometheusRule', 'medallion')) as Obj;
    pr.spec.groups = [{ name: 'g', rules: [{ alert: 'A', expr: 'up', for: 'soon' }] }];
    const r2 = dryRun(JSON.stringify(pr));
    expect(r2.status).not.toBe(0);
    expect(r2.stderr).toMatch(/for/);
  });
});

describe('Pod Security', () => {
  it('a container that may escalate privileges is flagged by the restricted standard (the check is live)', () => {
    ensureNamespaces(['medallion-psa']);
    const r = dryRun(
      renderText('m', 'medallion-psa', ['--set', 'containerSecurityContext.allowPrivilegeEscalation=true']),
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/would violate PodSecurity "restricted:latest": allowPrivilegeEscalation/);
  });
});

describe('NOTES.txt', () => {
  const notes = (args: string[]) => {
    const r = helm([
      'install',
      'm',
      CHART_DIR,
      '-n',
      'medallion-notes',
      '--dry-run=client',
      '--kubeconfig',
      inject('kubeconfig'),
      ...args,
    ]);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.slice(r.stdout.indexOf('NOTES:'));
  };

  it('tells the scope, the step ServiceAccount and how to reach metrics and the API', () => {
    const cluster = notes([]);
    expect(cluster).toMatch(/watches all namespaces/);
    expect(cluster).toContain('spec.job.serviceAccountName: m-medallion-step');
    expect(cluster).toContain('svc/m-medallion-operator-metrics 8080');
    expect(cluster).toContain('svc/m-medallion-api');
    const namespaced = notes([
      '--set',
      'rbac.scope=namespace',
      '--set',
      'watchNamespace=etl',
      '--set',
      'api.enabled=false',
    ]);
    expect(namespaced).toMatch(/watches namespace "etl" only/);
    expect(namespaced).not.toContain('m-medallion-api');
  });
});

describe('step NetworkPolicy', () => {
  it('selects the pods of the Jobs the operator creates, in each step namespace', () => {
    const docs = render('m', 'medallion-system', valuesArgs('cluster-wide-values.yaml'));
    const policies = byKind(docs, 'NetworkPolicy').filter((n) => n.metadata.name.endsWith('-steps'));
    expect(policies.map((p) => p.metadata.namespace).sort()).toEqual(['team-a', 'team-b']);
    const podLabels = (sampleStepJob().spec as Obj).template.metadata.labels as Record<string, string>;
    for (const p of policies) {
      expect(matches((p as Obj).spec.podSelector.matchLabels, podLabels)).toBe(true);
      expect((p as Obj).spec).toMatchObject({ policyTypes: ['Ingress'], ingress: [] });
    }
  });
});
