import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../k8s/start-apiserver.js';
import { importImages, launch, startContainerd, stopChild } from './containerd.js';

/**
 * One real node for the test control plane: containerd (Debian's) with the CNI bridge plugin, kube-scheduler and
 * kubelet (built from the pinned Kubernetes module by test/k8s/setup-apiserver.sh), the built image imported into
 * containerd (containerd.ts). Settings this machine kind needs (docs/operator-testing.md): kubelet
 * `failCgroupV1: false` and the cgroupfs driver (cgroup v1 with a v2 hybrid, no systemd); containerd's are in
 * containerd.ts.
 */
export interface Node {
  name: string;
  stop(): Promise<void>;
}

export async function startNode(opts: { kubeconfig: string; binDir: string; dir: string }): Promise<Node> {
  const { dir, binDir, kubeconfig } = opts;
  const name = 'medallion-node';
  const containerd = await startContainerd(dir);
  const { sock, ctr } = containerd;
  importImages(containerd, dir);

  const scheduler = launch(
    join(binDir, 'kube-scheduler'),
    [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
    ],
    join(dir, 'scheduler.log'),
  );
  writeFileSync(
    join(dir, 'kubelet.yaml'),
    `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://${sock}
address: 127.0.0.1
port: ${await freePort()}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${await freePort()}
authentication: { anonymous: { enabled: false }, webhook: { enabled: false } }
authorization: { mode: AlwaysAllow }
failSwapOn: false
protectKernelDefaults: false
makeIPTablesUtilChains: false
localStorageCapacityIsolation: false
enforceNodeAllocatable: []
resolvConf: /etc/resolv.conf
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
`,
  );
  const kubelet = launch(
    join(binDir, 'kubelet'),
    [
      `--kubeconfig=${kubeconfig}`,
      `--config=${join(dir, 'kubelet.yaml')}`,
      `--root-dir=${join(dir, 'kubelet')}`,
      `--cert-dir=${join(dir, 'kubelet-certs')}`,
      `--hostname-override=${name}`,
      '--v=1',
    ],
    join(dir, 'kubelet.log'),
  );
  chmodSync(dir, 0o755);

  return {
    name,
    async stop() {
      await stopChild(kubelet);
      await stopChild(scheduler);
      // Pod sandboxes and containers outlive kubelet; remove them so no shim or mount is left behind.
      for (const id of ctr(['-n', 'k8s.io', 'tasks', 'ls', '-q']).split('\n').filter(Boolean)) {
        try {
          ctr(['-n', 'k8s.io', 'tasks', 'kill', '-s', 'SIGKILL', id]);
        } catch {
          /* already stopped */
        }
        await new Promise((r) => setTimeout(r, 200));
        try {
          ctr(['-n', 'k8s.io', 'tasks', 'rm', '-f', id]);
        } catch {
          /* gone */
        }
      }
      for (const id of ctr(['-n', 'k8s.io', 'containers', 'ls', '-q']).split('\n').filter(Boolean)) {
        try {
          ctr(['-n', 'k8s.io', 'containers', 'rm', id]);
        } catch {
          /* gone */
        }
      }
      await containerd.stop();
      // kubelet's volume mounts (configmap, projected tmpfs) and the sandboxes' /dev/shm under the temp dir.
      const mounts = readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .filter((m) => m.startsWith(dir))
        .reverse();
      for (const m of mounts) {
        try {
          execFileSync('umount', ['-l', m]);
        } catch {
          /* already gone */
        }
      }
    },
  };
}
