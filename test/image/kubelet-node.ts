import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../k8s/start-apiserver.js';
import { IMAGE, podman } from './podman.js';

/**
 * One real node for the test control plane: containerd (Debian's) with the CNI bridge plugin, kube-scheduler and
 * kubelet (built from the pinned Kubernetes module by test/k8s/setup-apiserver.sh), the built image imported into
 * containerd. Settings this machine kind needs (docs/operator-testing.md):
 * - kubelet `failCgroupV1: false` and the cgroupfs driver (cgroup v1 with a v2 hybrid, no systemd);
 * - containerd `restrict_oom_score_adj`: root lacks CAP_SYS_RESOURCE, so runc cannot give the sandbox the
 *   oom_score_adj -998 kubelet asks for ("can't get final child's PID from pipe: EOF");
 * - no registry: the sandbox ("pause") image is the local base with `sleep infinity` as its entrypoint.
 */
const CACHE = join(process.env.MEDALLION_CACHE ?? join(homedir(), '.cache/medallion'), 'image');
const PAUSE = 'localhost/medallion-pause:test';

export interface Node {
  name: string;
  stop(): Promise<void>;
}

function launch(bin: string, args: string[], log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(t);
}

/** Imports IMAGE and the pause image into containerd's k8s.io namespace unless it already holds them (same ID). */
function importImages(ctr: (args: string[]) => string, dir: string): void {
  const held = ctr(['-n', 'k8s.io', 'images', 'ls', '-q']);
  for (const image of [IMAGE, PAUSE]) {
    const id = podman(['image', 'inspect', '--format', '{{.Id}}', image]).trim();
    if (held.includes(`sha256:${id}`) && held.includes(image)) continue;
    const tar = join(dir, 'image.tar');
    podman(['save', '--quiet', '--format=oci-archive', '-o', tar, image]);
    ctr(['-n', 'k8s.io', 'images', 'import', '--base-name', image.split(':')[0] ?? image, tar]);
    execFileSync('rm', ['-f', tar]);
  }
}

export async function startNode(opts: { kubeconfig: string; binDir: string; dir: string }): Promise<Node> {
  const { dir, binDir, kubeconfig } = opts;
  const name = 'medallion-node';
  mkdirSync(join(dir, 'cni'), { recursive: true });
  if (!podman(['images', '-q', PAUSE]).trim()) {
    const base = 'localhost/medallion-base/node:20-bookworm-slim';
    const c = podman(['create', '--entrypoint=["/usr/bin/sleep","infinity"]', base]).trim();
    podman(['commit', '--quiet', '--change=CMD []', '--change=USER 65535:65535', c, PAUSE]);
    podman(['rm', c]);
  }
  const sock = join(dir, 'containerd.sock');
  writeFileSync(
    join(dir, 'containerd.toml'),
    `version = 2
root = "${join(CACHE, 'containerd')}"
state = "${join(dir, 'containerd-state')}"
[grpc]
  address = "${sock}"
[ttrpc]
  address = "${sock}.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE}"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${join(dir, 'cni')}"
`,
  );
  writeFileSync(
    join(dir, 'cni', '10-medallion.conflist'),
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'medallion-test',
      plugins: [
        {
          type: 'bridge',
          bridge: 'medallion0',
          isGateway: true,
          ipMasq: false,
          ipam: { type: 'host-local', ranges: [[{ subnet: '10.88.77.0/24' }]], dataDir: join(dir, 'ipam') },
        },
        { type: 'loopback' },
      ],
    }),
  );
  const containerd = launch(
    'containerd',
    ['--config', join(dir, 'containerd.toml')],
    join(dir, 'containerd.log'),
  );
  const ctr = (args: string[]) =>
    execFileSync('ctr', ['--address', sock, ...args], { maxBuffer: 1 << 26 }).toString();
  for (let i = 0; ; i++) {
    try {
      ctr(['version']);
      break;
    } catch (e) {
      if (i > 100 || containerd.exitCode !== null)
        throw new Error(`containerd did not start: ${String(e)}`, { cause: e });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  importImages(ctr, dir);

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
      await stop(kubelet);
      await stop(scheduler);
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
      await stop(containerd);
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
