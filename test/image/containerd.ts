import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { IMAGE, podman } from './podman.js';

/**
 * containerd (Debian's) for the real node of kubelet.image-test.ts, with the CNI bridge plugin and the built image
 * imported. Its image store lives in the cache (~/.cache/medallion/image/containerd), so an image imported once —
 * by the test or ahead of it by test/image/prepare.sh — is not imported again while its ID is unchanged.
 * - `restrict_oom_score_adj`: root lacks CAP_SYS_RESOURCE, so runc cannot give the sandbox the oom_score_adj -998
 *   kubelet asks for ("can't get final child's PID from pipe: EOF");
 * - no registry: the sandbox ("pause") image is the local base with `sleep infinity` as its entrypoint.
 */
const CACHE = join(process.env.MEDALLION_CACHE ?? join(homedir(), '.cache/medallion'), 'image');
const PAUSE = 'localhost/medallion-pause:test';
const BASE = 'localhost/medallion-base/node:20-bookworm-slim';

export interface Containerd {
  sock: string;
  ctr(args: string[]): string;
  stop(): Promise<void>;
}

export function launch(bin: string, args: string[], log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(t);
}

/** Starts containerd with its state, socket and CNI config under dir and waits until `ctr` reaches it. */
export async function startContainerd(dir: string): Promise<Containerd> {
  mkdirSync(join(dir, 'cni'), { recursive: true });
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
  return { sock, ctr, stop: () => stopChild(containerd) };
}

/** Makes the pause image, then imports it and IMAGE into containerd's k8s.io namespace unless it holds them (same ID). */
export function importImages(c: Containerd, dir: string): void {
  if (!podman(['images', '-q', PAUSE]).trim()) {
    const id = podman(['create', '--entrypoint=["/usr/bin/sleep","infinity"]', BASE]).trim();
    podman(['commit', '--quiet', '--change=CMD []', '--change=USER 65535:65535', id, PAUSE]);
    podman(['rm', id]);
  }
  const held = c.ctr(['-n', 'k8s.io', 'images', 'ls', '-q']);
  for (const image of [IMAGE, PAUSE]) {
    const id = podman(['image', 'inspect', '--format', '{{.Id}}', image]).trim();
    if (held.includes(`sha256:${id}`) && held.includes(image)) continue;
    const tar = join(dir, 'image.tar');
    podman(['save', '--quiet', '--format=oci-archive', '-o', tar, image]);
    c.ctr(['-n', 'k8s.io', 'images', 'import', '--base-name', image.split(':')[0] ?? image, tar]);
    execFileSync('rm', ['-f', tar]);
  }
}
