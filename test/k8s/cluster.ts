import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';
import { startApiserver } from './start-apiserver.js';

/**
 * A local control plane for development: `up` starts etcd, kube-apiserver and kube-controller-manager (Job and
 * garbage-collector controllers) in the background with the CRDs installed and writes
 * .medallion/cluster/kubeconfig; `down` stops them and deletes the directory.
 *   node --import tsx test/k8s/cluster.ts up|down
 */

const dir = resolve(process.env.MEDALLION_CLUSTER_DIR ?? '.medallion/cluster');
const pidsFile = join(dir, 'pids');

function running(): number[] {
  if (!existsSync(pidsFile)) return [];
  return readFileSync(pidsFile, 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number)
    .filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
}

async function down() {
  // Only the pids this script started and recorded, apiserver first so it does not log etcd errors.
  for (const pid of running()) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && running().includes(pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  rmSync(dir, { recursive: true, force: true });
  console.log('cluster stopped');
}

async function up() {
  if (running().length > 0) {
    console.log(`already running: export KUBECONFIG=${join(dir, 'kubeconfig')}`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
  // kube-controller-manager too: step Jobs get (forever Pending) Pods, deleted runs take their Jobs with them.
  const cp = await startApiserver({
    dir,
    detached: true,
    controllerManager: true,
    beforeControllerManager: (kubeconfig) => installCrds(kubeRest(kubeconfig)),
  });
  console.log(
    `control plane up in ${cp.startupMs} ms with the Medallion CRDs\nexport KUBECONFIG=${cp.kubeconfig}`,
  );
}

const cmd = process.argv[2];
if (cmd === 'up') await up();
else if (cmd === 'down') await down();
else {
  console.error('usage: node --import tsx test/k8s/cluster.ts up|down');
  process.exit(2);
}
