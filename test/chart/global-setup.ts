import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { installCrds } from '../k8s/install-crds.js';
import { kubeRest } from '../k8s/kube-rest.js';
import { ensureBinaries, startApiserver } from '../k8s/start-apiserver.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    /** Directory holding kubectl (and etcd, kube-apiserver) built by test/k8s/setup-apiserver.sh. */
    k8sBinDir: string;
    /** The helm binary built by test/chart/setup-helm.sh. */
    helm: string;
  }
}

/** What a setup script prints last on stdout (its log goes to stderr). */
const scriptOutput = (script: string) =>
  execFileSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] })
    .toString()
    .trim()
    .split('\n')
    .at(-1) ?? '';

/**
 * One control plane for the chart suite, with Medallion's CRDs (from the generator, as the k8s suite does) and the
 * prometheus-operator CRDs (published schemas of ServiceMonitor, PodMonitor and PrometheusRule) installed.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = process.env.MEDALLION_K8S_BIN || ensureBinaries();
  const helm = process.env.MEDALLION_HELM || scriptOutput('test/chart/setup-helm.sh');
  const promCrds =
    process.env.MEDALLION_PROMETHEUS_CRDS || scriptOutput('test/chart/setup-prometheus-crds.sh');
  const cp = await startApiserver({ binDir });
  try {
    await installCrds(kubeRest(cp.kubeconfig));
    const kubectl = (...args: string[]) =>
      execFileSync(join(binDir, 'kubectl'), args, {
        env: { ...process.env, KUBECONFIG: cp.kubeconfig },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    // Server-side: these CRDs are too large for client-side apply's last-applied annotation.
    const files = readdirSync(promCrds).filter((f) => f.endsWith('.yaml'));
    for (const f of files) kubectl('apply', '--server-side', '-f', join(promCrds, f));
    for (const plural of ['servicemonitors', 'podmonitors', 'prometheusrules'])
      kubectl('wait', '--for=condition=Established', '--timeout=60s', `crd/${plural}.monitoring.coreos.com`);
  } catch (e) {
    await cp.stop();
    throw e;
  }
  console.log(`[chart] control plane ready in ${cp.startupMs} ms (${cp.server}); helm ${helm}`);
  project.provide('kubeconfig', cp.kubeconfig);
  project.provide('k8sBinDir', binDir);
  project.provide('helm', helm);
  return () => cp.stop();
}
