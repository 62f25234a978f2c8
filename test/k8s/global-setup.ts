import type { TestProject } from 'vitest/node';
import { ensureBinaries, startApiserver } from './start-apiserver.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    /** Directory holding kubectl (and etcd, kube-apiserver) built by setup-apiserver.sh. */
    k8sBinDir: string;
  }
}

/** One control plane for the whole k8s suite: starting it costs seconds, each test namespaces its own objects. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = ensureBinaries();
  const cp = await startApiserver({ binDir });
  console.log(`[k8s] control plane ready in ${cp.startupMs} ms (${cp.server})`);
  project.provide('kubeconfig', cp.kubeconfig);
  project.provide('k8sBinDir', binDir);
  // Also for code that reads KUBECONFIG itself (kubectl, KubeConfig.loadFromDefault) in forked workers.
  process.env.KUBECONFIG = cp.kubeconfig;
  return () => cp.stop();
}
