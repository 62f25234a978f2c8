import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writePki } from './pki.js';

export interface ControlPlane {
  /** Path of an admin kubeconfig (static token, system:masters). */
  kubeconfig: string;
  server: string;
  dir: string;
  /** Milliseconds from spawning etcd to the apiserver's /readyz answering ok. */
  startupMs: number;
  stop(): Promise<void>;
  /** Stops kube-apiserver and starts it again on the same port and etcd (for watch-recovery tests). */
  restartApiserver(): Promise<void>;
}

export interface StartOptions {
  /** Directory with etcd and kube-apiserver; defaults to what test/k8s/setup-apiserver.sh prints. */
  binDir?: string;
  /** Work directory (certs, etcd data, logs, kubeconfig); a fresh temp dir by default. */
  dir?: string;
  readyTimeoutMs?: number;
  /** Keep etcd and the apiserver running after this process exits (for `cluster.ts up`); pids go to `dir/pids`. */
  detached?: boolean;
  /**
   * Also run kube-controller-manager with the Job, garbage-collector and service-account controllers, once the
   * apiserver is ready: Jobs get Pods (which stay Pending: there is no scheduler or kubelet), objects whose owner is
   * deleted are collected, namespaces get their `default` ServiceAccount.
   */
  controllerManager?: boolean;
  /**
   * Runs once the apiserver is ready, before kube-controller-manager starts: install CRDs here so the garbage
   * collector watches them from its first sync (it only rediscovers resources every 30 s).
   */
  beforeControllerManager?: (kubeconfig: string) => Promise<void>;
  /** kube-controller-manager's controllers (default CONTROLLERS); a real kubelet also needs e.g. node lifecycle. */
  controllers?: string[];
}

/** The kube-controller-manager controllers the harness runs (names as of Kubernetes 1.28+). */
export const CONTROLLERS = ['job-controller', 'garbage-collector-controller', 'serviceaccount-controller'];

const here = dirname(fileURLToPath(import.meta.url));

/** Runs the idempotent setup script (builds into the cache the first time) and returns the binary directory. */
export function ensureBinaries(): string {
  const out = execFileSync('bash', [join(here, 'setup-apiserver.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.toString().trim().split('\n').at(-1) ?? '';
}

// Ask the kernel for a free loopback port. Another process could take it before etcd binds; that race is rare and
// shows up as a clear start-up failure rather than flaky tests.
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

function launch(bin: string, args: string[], logFile: string, detached = false): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd], detached });
  closeSync(fd);
  if (detached) child.unref();
  return child;
}

function readyz(server: string, ca: Buffer | undefined, token: string, path = '/readyz'): Promise<boolean> {
  return new Promise((res) => {
    const req = request(
      `${server}${path}`,
      // kube-controller-manager serves with a self-signed certificate of its own.
      {
        ...(ca ? { ca } : { rejectUnauthorized: false }),
        headers: { authorization: `Bearer ${token}` },
        timeout: 2000,
      },
      (r) => {
        r.resume();
        res(r.statusCode === 200);
      },
    );
    req.on('error', () => res(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function kubeconfigYaml(server: string, caFile: string, token: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: medallion-test
  cluster:
    server: ${server}
    certificate-authority: ${caFile}
users:
- name: medallion-admin
  user:
    token: ${token}
contexts:
- name: medallion-test
  context:
    cluster: medallion-test
    user: medallion-admin
    namespace: default
current-context: medallion-test
`;
}

/** Starts etcd and kube-apiserver on loopback with fresh certificates and waits until the apiserver is ready. */
export async function startApiserver(opts: StartOptions = {}): Promise<ControlPlane> {
  const binDir = opts.binDir ?? ensureBinaries();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'medallion-k8s-'));
  mkdirSync(dir, { recursive: true });
  const pki = writePki(dir);
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const server = `https://127.0.0.1:${apiPort}`;
  const started = Date.now();

  const etcd = launch(
    join(binDir, 'etcd'),
    [
      '--name=medallion-test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=medallion-test=http://127.0.0.1:${peerPort}`,
      // Test data is disposable: skipping fsync makes every write (and so every test) much faster.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    join(dir, 'etcd.log'),
    opts.detached,
  );
  const apiserverArgs = [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${pki.tokenFile}`,
    // RBAC (not AlwaysAllow) so RBAC manifests can be proven against it with SubjectAccessReview.
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountPrivateKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    '--v=1',
  ];
  const launchApiserver = () =>
    launch(join(binDir, 'kube-apiserver'), apiserverArgs, join(dir, 'apiserver.log'), opts.detached);
  let apiserver = launchApiserver();
  let controllerManager: ChildProcess | undefined;
  const pids = () =>
    opts.detached &&
    writeFileSync(
      join(dir, 'pids'),
      `${[controllerManager?.pid, apiserver.pid, etcd.pid].filter((p) => p !== undefined).join(' ')}\n`,
    );
  pids();

  const stop = async () => {
    if (controllerManager) await stopChild(controllerManager);
    await stopChild(apiserver);
    await stopChild(etcd);
    if (!opts.dir && !process.env.MEDALLION_KEEP_CLUSTER) rmSync(dir, { recursive: true, force: true });
  };

  const ca = readFileSync(pki.caCert);
  const waitReady = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await readyz(server, ca, pki.adminToken)) return;
      const dead = [etcd, apiserver].find((c) => c.exitCode !== null);
      if (dead || Date.now() > deadline) {
        const why = dead
          ? `${dead === etcd ? 'etcd' : 'kube-apiserver'} exited`
          : 'timed out waiting for /readyz';
        const logs = `--- etcd.log\n${tail(join(dir, 'etcd.log'))}\n--- apiserver.log\n${tail(join(dir, 'apiserver.log'))}`;
        await stop();
        throw new Error(`control plane failed to start: ${why}\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await waitReady(opts.readyTimeoutMs ?? 90_000);
  const restartApiserver = async () => {
    await stopChild(apiserver);
    apiserver = launchApiserver();
    pids();
    await waitReady(60_000);
  };

  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(server, pki.caCert, pki.adminToken), { mode: 0o600 });
  if (opts.controllerManager) {
    await opts.beforeControllerManager?.(kubeconfig);
    const port = await freePort();
    const logFile = join(dir, 'controller-manager.log');
    controllerManager = launch(
      join(binDir, 'kube-controller-manager'),
      [
        `--kubeconfig=${kubeconfig}`,
        `--controllers=${(opts.controllers ?? CONTROLLERS).join(',')}`,
        `--root-ca-file=${pki.caCert}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${port}`,
        `--cert-dir=${join(dir, 'controller-manager-certs')}`,
        '--v=1',
      ],
      logFile,
      opts.detached,
    );
    pids();
    const deadline = Date.now() + 60_000;
    while (!(await readyz(`https://127.0.0.1:${port}`, undefined, pki.adminToken, '/healthz'))) {
      if (controllerManager.exitCode !== null || Date.now() > deadline) {
        const why = controllerManager.exitCode !== null ? 'exited' : 'timed out waiting for /healthz';
        const logs = tail(logFile);
        await stop();
        throw new Error(`kube-controller-manager ${why}\n--- controller-manager.log\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { kubeconfig, server, dir, startupMs: Date.now() - started, stop, restartApiserver };
}

// CLI: `node --import tsx test/k8s/start-apiserver.ts [dir]` keeps a control plane up until Ctrl-C.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dirArg = process.argv[2];
  const cp = await startApiserver(dirArg ? { dir: resolve(dirArg) } : {});
  console.log(`control plane ready in ${cp.startupMs} ms\nexport KUBECONFIG=${cp.kubeconfig}`);
  const shutdown = () => void cp.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
