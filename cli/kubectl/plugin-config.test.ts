import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePluginConfig } from './plugin-config.js';
import { connectKube } from './plugin-kube.js';

const dir = mkdtempSync(join(tmpdir(), 'kubectl-medallion-config-'));
function kubeconfig(file: string, cluster: string, context: string, namespace?: string): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters: [{ name: ${cluster}, cluster: { server: "https://${cluster}.example:6443" } }]
users: [{ name: ${cluster}-user, user: { token: t } }]
contexts: [{ name: ${context}, context: { cluster: ${cluster}, user: ${cluster}-user${namespace ? `, namespace: ${namespace}` : ''} } }]
current-context: ${context}
`,
  );
  return path;
}

describe('plugin connection settings', () => {
  it('takes KUBECONFIG as a path list, --kubeconfig instead of it, else ~/.kube/config', () => {
    expect(resolvePluginConfig({}, { KUBECONFIG: '/a:/b', HOME: '/h' }).kubeconfigFiles).toEqual([
      '/a',
      '/b',
    ]);
    expect(resolvePluginConfig({ kubeconfig: '/c' }, { KUBECONFIG: '/a:/b' }).kubeconfigFiles).toEqual([
      '/c',
    ]);
    expect(resolvePluginConfig({}, { HOME: '/h' }).kubeconfigFiles).toEqual(['/h/.kube/config']);
    expect(() => resolvePluginConfig({ namespace: 'Bad_NS' }, { HOME: '/h' })).toThrow(
      /not a valid namespace/,
    );
  });

  it('merges kubeconfig files first-wins, switches context with --context, and takes its namespace', () => {
    const a = kubeconfig('a', 'prod', 'prod-ctx', 'retail');
    const b = kubeconfig('b', 'staging', 'staging-ctx');
    const files = { KUBECONFIG: `${a}:${b}` };
    const first = connectKube(resolvePluginConfig({}, files));
    expect([first.server, first.namespace]).toEqual(['https://prod.example:6443', 'retail']);
    const other = connectKube(resolvePluginConfig({ context: 'staging-ctx' }, files));
    expect([other.server, other.namespace]).toEqual(['https://staging.example:6443', 'default']);
    const explicit = connectKube(resolvePluginConfig({ namespace: 'team-b' }, files));
    expect(explicit.namespace).toBe('team-b');
    expect(explicit.collection('pipelineruns')).toEqual({
      apiVersion: 'medallion.dev/v1alpha1',
      plural: 'pipelineruns',
      namespace: 'team-b',
    });
  });
});
