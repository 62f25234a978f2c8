import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs the built image with podman the way Kubernetes runs it under the restricted profile: read-only root
 * filesystem, numeric user 10001, no capabilities, no privilege escalation, an emptyDir-like tmpfs on /tmp, and no
 * network unless the caller asks for one. podman uses the test-only containers.conf and storage that
 * test/image/setup.sh wrote.
 */
const CACHE = join(process.env.MEDALLION_CACHE ?? join(homedir(), '.cache/medallion'), 'image');
export const IMAGE = process.env.MEDALLION_IMAGE ?? 'localhost/medallion:test';
export const podmanEnv: NodeJS.ProcessEnv = {
  ...process.env,
  CONTAINERS_CONF: join(CACHE, 'containers.conf'),
  CONTAINERS_STORAGE_CONF: join(CACHE, 'storage.conf'),
};

export function podman(args: string[]): string {
  return execFileSync('podman', args, { env: podmanEnv, maxBuffer: 64 * 1024 * 1024 }).toString();
}

export interface Container {
  name: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the container's exit code once `podman run` returns. */
  exited: Promise<number>;
  /** Sends SIGTERM to PID 1 (tini) and resolves with [exit code, milliseconds until the container was gone]. */
  terminate(): Promise<[number, number]>;
}

export interface RunOptions {
  /** host:container[:ro] bind mounts. */
  volumes?: string[];
  env?: Record<string, string>;
  /** 'none' (default) or 'host' for a test that talks to the container over loopback. */
  network?: 'none' | 'host';
  name?: string;
}

let seq = 0;

export function runContainer(args: string[], opts: RunOptions = {}): Container {
  const name = opts.name ?? `medallion-test-${process.pid}-${++seq}`;
  const flags = [
    'run',
    '--rm',
    `--name=${name}`,
    '--read-only',
    '--user=10001:10001',
    '--cap-drop=ALL',
    '--security-opt=no-new-privileges',
    '--tmpfs=/tmp:rw,mode=1777,size=512m',
    `--network=${opts.network ?? 'none'}`,
    ...(opts.volumes ?? []).map((v) => `--volume=${v}`),
    ...Object.entries(opts.env ?? {}).map(([k, v]) => `--env=${k}=${v}`),
    IMAGE,
    ...args,
  ];
  const child = spawn('podman', flags, { env: podmanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  return {
    name,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async terminate() {
      const t0 = Date.now();
      // `podman kill` signals the container's PID 1, as the kubelet (through the runtime) does on pod shutdown.
      podman(['kill', '--signal=TERM', name]);
      const code = await exited;
      return [code, Date.now() - t0];
    },
  };
}

/** Polls until `probe` returns a value (not undefined) or the container exits or the time runs out. */
export async function waitFor<T>(
  what: string,
  c: Container | undefined,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void c?.exited.then(() => (gone = true));
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (gone || Date.now() > deadline) {
      throw new Error(
        `${gone ? 'container exited' : 'timed out'} waiting for ${what}\n${c?.stderr().slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
