import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeRest } from '../k8s/kube-rest.js';
import { CI_VALUES, byKind, ensureNamespaces, render, valuesArgs } from './chart.js';
import {
  LEASE_NEEDS,
  OPERATOR_NEEDS,
  SPARK_OPERATOR_NEEDS,
  apiNeeds,
  apply,
  baselineAccount,
  can,
  permissions,
  serviceAccountClient,
  union,
  type Permission,
} from './rbac.js';

/**
 * The chart's RBAC, applied to the real apiserver, grants each ServiceAccount exactly what the code needs: the
 * account's own SelfSubjectRulesReview in a namespace must equal (what an account without bindings may do) ∪ (the
 * needs listed in rbac.ts). So nothing is missing and nothing broader is granted: no Secrets, no wildcards, nothing
 * in namespaces it does not watch.
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered manifests

/** What is missing from and what is beyond the expected permissions, for a readable failure. */
function compare(actual: Set<Permission>, expected: Set<Permission>) {
  return {
    missing: [...expected].filter((p) => !actual.has(p)).sort(),
    extra: [...actual].filter((p) => !expected.has(p)).sort(),
  };
}
const exactly = async (client: KubeRest, namespace: string, expected: Set<Permission>) =>
  expect(compare(await permissions(client, namespace), expected)).toEqual({ missing: [], extra: [] });

const SECRETS = (namespace?: string) =>
  ['get', 'list', 'watch'].map((verb) => ({
    verb,
    resource: 'secrets',
    ...(namespace ? { namespace } : {}),
  }));

describe.each([
  { scope: 'namespace', release: 'rbac-ns' },
  { scope: 'cluster', release: 'rbac-cl' },
])('RBAC in $scope scope', ({ scope, release }) => {
  const ns = `${release}-system`;
  const watched = `${release}-pipelines`;
  const other = `${release}-other`;
  const args = ['--set', `rbac.scope=${scope}`];
  if (scope === 'namespace') args.push('--set', `watchNamespace=${watched}`);
  else args.push('--set', `steps.namespaces={${watched}}`);
  const docs = render(release, ns, args);
  let operator: KubeRest;
  let api: KubeRest;
  let step: KubeRest;
  let baseline: Set<Permission>;

  beforeAll(async () => {
    ensureNamespaces([ns, watched, other]);
    apply(docs);
    operator = await serviceAccountClient(ns, `${release}-medallion-operator`);
    api = await serviceAccountClient(ns, `${release}-medallion-api`);
    step = await serviceAccountClient(watched, `${release}-medallion-step`);
    baseline = await permissions(await baselineAccount(other), other);
  });

  it('the baseline is only self-review and discovery (so "exactly" below means something)', () => {
    for (const p of baseline)
      expect(p).toMatch(/^authorization\.k8s\.io\|self|^authentication\.k8s\.io\|selfsubjectreviews/);
  });

  it('operator: exactly its needs in a watched namespace', async () => {
    await exactly(operator, watched, union(baseline, OPERATOR_NEEDS));
  });

  it('operator: its own namespace adds the leader-election Lease, by name for get and update', async () => {
    await exactly(
      operator,
      ns,
      union(baseline, LEASE_NEEDS, scope === 'cluster' ? OPERATOR_NEEDS : new Set()),
    );
    const lease = { group: 'coordination.k8s.io', resource: 'leases', namespace: ns };
    expect(await can(operator, { ...lease, verb: 'update', name: 'medallion-operator' })).toBe(true);
    expect(await can(operator, { ...lease, verb: 'update', name: 'someone-elses-lease' })).toBe(false);
    expect(await can(operator, { ...lease, verb: 'list' })).toBe(false);
  });

  it(
    scope === 'namespace'
      ? 'operator: nothing in other namespaces or cluster-wide'
      : 'operator: every namespace',
    async () => {
      await exactly(operator, other, scope === 'namespace' ? baseline : union(baseline, OPERATOR_NEEDS));
      const allNamespaces = { verb: 'list', group: 'medallion.dev', resource: 'pipelineruns' };
      expect(await can(operator, allNamespaces)).toBe(scope === 'cluster');
      expect(await can(operator, { verb: 'watch', group: 'batch', resource: 'jobs' })).toBe(
        scope === 'cluster',
      );
    },
  );

  it('operator: no Secrets anywhere, no Pods exec/logs, cannot grant itself more', async () => {
    for (const a of [...SECRETS(), ...SECRETS(watched), ...SECRETS(ns), ...SECRETS(other)])
      expect(await can(operator, a), JSON.stringify(a)).toBe(false);
    for (const a of [
      { verb: 'create', resource: 'pods', subresource: 'exec', namespace: watched },
      { verb: 'get', resource: 'pods', subresource: 'log', namespace: watched },
      { verb: 'create', resource: 'pods', namespace: watched },
      { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: watched },
      { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'roles', namespace: watched },
      { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: watched },
      { verb: 'impersonate', resource: 'serviceaccounts', namespace: watched },
      { verb: 'update', group: 'medallion.dev', resource: 'pipelines', namespace: watched },
      { verb: 'create', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    ])
      expect(await can(operator, a), JSON.stringify(a)).toBe(false);
  });

  it('API: reads pipelines and runs, creates runs, nothing else', async () => {
    await exactly(api, watched, union(baseline, apiNeeds(true)));
    await exactly(api, other, scope === 'namespace' ? baseline : union(baseline, apiNeeds(true)));
    for (const a of [...SECRETS(), ...SECRETS(ns), ...SECRETS(watched)])
      expect(await can(api, a)).toBe(false);
  });

  it('step Jobs: their account may do nothing an unbound account may not, and mounts no token', async () => {
    await exactly(step, watched, baseline);
    const sa = byKind(docs, 'ServiceAccount').find(
      (d) => d.metadata.name === `${release}-medallion-step`,
    ) as Obj;
    expect(sa.metadata.namespace).toBe(watched);
    expect(sa.automountServiceAccountToken).toBe(false);
  });
});

describe('API with allowCreateRuns=false', () => {
  it('is read-only', async () => {
    const release = 'rbac-ro';
    const ns = `${release}-system`;
    ensureNamespaces([ns]);
    apply(render(release, ns, ['--set', 'rbac.scope=namespace', '--set', 'api.allowCreateRuns=false']));
    const api = await serviceAccountClient(ns, `${release}-medallion-api`);
    const baseline = await permissions(await baselineAccount(ns), ns);
    await exactly(api, ns, union(baseline, apiNeeds(false)));
  });
});

describe('operator with spark.enabled', () => {
  it('adds exactly the SparkApplications it manages, and nothing without it', async () => {
    const release = 'rbac-spark';
    const ns = `${release}-system`;
    ensureNamespaces([ns]);
    apply(render(release, ns, ['--set', 'rbac.scope=namespace', '--set', 'spark.enabled=true']));
    const operator = await serviceAccountClient(ns, `${release}-medallion-operator`);
    const baseline = await permissions(await baselineAccount(ns), ns);
    await exactly(operator, ns, union(baseline, OPERATOR_NEEDS, LEASE_NEEDS, SPARK_OPERATOR_NEEDS));
    const off = render('rbac-nospark', ns, ['--set', 'rbac.scope=namespace']);
    expect(JSON.stringify(off)).not.toContain('sparkoperator.k8s.io');
  });
});

describe.each(CI_VALUES)('rendered RBAC of ci/%s', (file) => {
  it('has no wildcard and never names Secrets', () => {
    const docs = render('m', 'medallion-system', valuesArgs(file));
    for (const role of [...byKind(docs, 'Role'), ...byKind(docs, 'ClusterRole')]) {
      for (const rule of (role as Obj).rules as Obj[]) {
        const words = [...rule.verbs, ...rule.resources, ...rule.apiGroups];
        expect(words, role.metadata.name).not.toContain('*');
        expect(rule.resources, role.metadata.name).not.toContain('secrets');
      }
    }
  });
});
