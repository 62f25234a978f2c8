import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobToRun, Script, StepOutcome } from './fake-job-executor.js';
import type { KubeRest } from './kube-rest.js';

/**
 * Runs a step Job's container for real, the way kubelet would with the Medallion image: the image's entrypoint is
 * `medallion` (bin/medallion.js), so the container's args run as `node bin/medallion.js <args>` with the container's
 * env. Volume mounts become host directories: a ConfigMap volume is written out from the apiserver's ConfigMap, a
 * PersistentVolumeClaim maps to one directory per claim (shared by every pod, like a real volume), an emptyDir to a
 * fresh directory per pod. Container paths in the args are rewritten to those directories, and the termination
 * message is read back from the host file behind `terminationMessagePath`, with kubelet's limits and its
 * FallbackToLogsOnError behaviour. Env entries from a Secret key are read from the apiserver's Secret, as kubelet
 * does: a missing Secret or key fails the container unless the reference is optional.
 */

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ENTRYPOINT = join(REPO, 'bin/medallion.js');
/** kubelet: at most 4096 bytes of message; the log fallback is the last 80 lines, at most 2048 bytes. */
const MESSAGE_MAX = 4096;
const LOG_TAIL_LINES = 80;
const LOG_TAIL_BYTES = 2048;

export interface RunnerContainerOptions {
  api: KubeRest;
  namespace: string;
  /** Host directory for this executor's volumes and pod directories. */
  root: string;
  /** Called with each finished container (logs included) for assertions and debugging. */
  onExit?: (e: { job: string; args: string[]; exitCode: number; logs: string; message: string }) => void;
  /**
   * The process to start for the container's command line (`node bin/medallion.js <args>`, host paths): by default
   * that command itself; spark-submit-container.ts wraps it in the Spark driver's `--exec` mode.
   */
  launch?: (argv: string[]) => string[];
}

interface Mount {
  containerPath: string;
  hostPath: string;
}

async function materialise(opts: RunnerContainerOptions, job: JobToRun, podDir: string): Promise<Mount[]> {
  const container = job.pod.containers[0];
  if (!container) throw new Error(`${job.name}: no container`);
  const mounts: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const volume = job.pod.volumes?.find((v) => v.name === m.name);
    let hostPath: string;
    if (volume?.configMap) {
      const cm = await opts.api.call(
        'GET',
        `/api/v1/namespaces/${opts.namespace}/configmaps/${volume.configMap.name}`,
      );
      if (cm.status !== 200)
        throw new Error(`${job.name}: configMap ${volume.configMap.name}: HTTP ${cm.status}`);
      hostPath = join(podDir, 'volumes', m.name);
      mkdirSync(hostPath, { recursive: true });
      for (const [file, text] of Object.entries((cm.body.data ?? {}) as Record<string, string>))
        writeFileSync(join(hostPath, file), text);
    } else if (volume?.persistentVolumeClaim) {
      hostPath = join(opts.root, 'claims', volume.persistentVolumeClaim.claimName, m.subPath ?? '');
    } else if (volume?.emptyDir) {
      hostPath = join(podDir, 'volumes', m.name);
    } else {
      throw new Error(`${job.name}: volume ${m.name} is not a configMap, PVC or emptyDir`);
    }
    mkdirSync(hostPath, { recursive: true });
    mounts.push({ containerPath: posix.normalize(m.mountPath), hostPath });
  }
  return mounts;
}

/** The host path behind a container path: the longest mount that contains it; other paths are left alone. */
function toHost(mounts: Mount[], path: string): string {
  const m = mounts
    .filter((x) => path === x.containerPath || path.startsWith(`${x.containerPath}/`))
    .sort((a, b) => b.containerPath.length - a.containerPath.length)[0];
  return m ? join(m.hostPath, path.slice(m.containerPath.length)) : path;
}

interface SecretKeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

async function secretValue(opts: RunnerContainerOptions, job: string, ref: SecretKeyRef) {
  const secret = await opts.api.call('GET', `/api/v1/namespaces/${opts.namespace}/secrets/${ref.name}`);
  const data = (secret.status === 200 ? secret.body.data : undefined) as Record<string, string> | undefined;
  const encoded = data?.[ref.key];
  if (encoded === undefined && !ref.optional)
    throw new Error(`${job}: secret ${ref.name} key ${ref.key} not found (HTTP ${secret.status})`);
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

function tail(logs: string): string {
  const lines = logs.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
  const bytes = Buffer.from(lines, 'utf8');
  return bytes.length <= LOG_TAIL_BYTES
    ? lines
    : bytes.subarray(bytes.length - LOG_TAIL_BYTES).toString('utf8');
}

export function runnerContainer(opts: RunnerContainerOptions): Script {
  return async (job): Promise<StepOutcome> => {
    const container = job.pod.containers[0];
    if (!container) throw new Error(`${job.name}: no container`);
    if (container.command)
      throw new Error(`${job.name}: expected the image entrypoint, got ${container.command}`);
    const podDir = join(opts.root, 'pods', job.name);
    const mounts = await materialise(opts, job, podDir);
    // kubelet creates the termination-message file and mounts it at terminationMessagePath.
    const messageFile = join(podDir, 'termination-log');
    writeFileSync(messageFile, '');
    mounts.push({
      containerPath: container.terminationMessagePath ?? '/dev/termination-log',
      hostPath: messageFile,
    });
    const args = (container.args ?? []).map((a) => (a.startsWith('/') ? toHost(mounts, a) : a));

    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: podDir, TZ: 'UTC' };
    // The container's /tmp is a volume; on the host, temp files go to its directory.
    if (mounts.some((m) => m.containerPath === '/tmp')) env.TMPDIR = toHost(mounts, '/tmp');
    for (const e of container.env ?? []) {
      const from = e.valueFrom as { secretKeyRef?: SecretKeyRef } | undefined;
      if (from !== undefined && !from.secretKeyRef)
        throw new Error(`${job.name}: env ${e.name} from a ConfigMap or field`);
      const value = from?.secretKeyRef ? await secretValue(opts, job.name, from.secretKeyRef) : e.value;
      if (value !== undefined || !from) env[e.name] = value ?? '';
    }
    const [cmd, ...argv] = (opts.launch ?? ((a) => a))([process.execPath, ENTRYPOINT, ...args]);
    const child = spawn(cmd!, argv, { cwd: podDir, env });
    let logs = '';
    child.stdout.on('data', (c: Buffer) => (logs += c.toString()));
    child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });

    let message = readFileSync(messageFile).subarray(0, MESSAGE_MAX).toString('utf8');
    if (
      exitCode !== 0 &&
      message.trim() === '' &&
      container.terminationMessagePolicy === 'FallbackToLogsOnError'
    )
      message = tail(logs);
    opts.onExit?.({ job: job.name, args, exitCode, logs, message });
    return { ok: exitCode === 0, message };
  };
}
