import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A Spark standalone cluster on loopback for tests: one master and `workers` workers (spark-class from the pyspark
 * install), every daemon bound to 127.0.0.1 (SPARK_LOCAL_IP, which their web UIs bind to as well), random ports.
 */
export interface StandaloneCluster {
  masterUrl: string;
  /** The workers' SPARK_WORKER_DIR: one `<app>/<executor id>` directory per executor they launched. */
  workDir: string;
  stop(): Promise<void>;
}

function daemon(
  sparkHome: string,
  workDir: string,
  args: string[],
  ready: RegExp,
): Promise<{ p: ChildProcess; match: RegExpExecArray }> {
  const p = spawn(path.join(sparkHome, 'bin', 'spark-class'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1', SPARK_WORKER_DIR: workDir },
  });
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(
      () => reject(new Error(`${args[0]} did not start:\n${log.slice(-2000)}`)),
      120_000,
    );
    const on = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      const match = ready.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve({ p, match });
      }
    };
    p.stdout!.on('data', on);
    p.stderr!.on('data', on);
    p.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited with ${code}:\n${log.slice(-2000)}`));
    });
  });
}

export async function startStandaloneCluster(sparkHome: string, workers = 2): Promise<StandaloneCluster> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-spark-workers-'));
  const master = await daemon(
    sparkHome,
    workDir,
    ['org.apache.spark.deploy.master.Master', '--host', '127.0.0.1', '--port', '0', '--webui-port', '0'],
    /Starting Spark master at (spark:\/\/127\.0\.0\.1:\d+)/,
  );
  const masterUrl = master.match[1]!;
  const started: ChildProcess[] = [master.p];
  const stop = async (): Promise<void> => {
    for (const p of started.reverse()) {
      if (p.exitCode !== null) continue;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < workers; i++) {
      const w = await daemon(
        sparkHome,
        workDir,
        [
          'org.apache.spark.deploy.worker.Worker',
          '--host',
          '127.0.0.1',
          '--port',
          '0',
          '--webui-port',
          '0',
          '--cores',
          '1',
          '--memory',
          '1500m',
          masterUrl,
        ],
        /Successfully registered with master/,
      );
      started.push(w.p);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { masterUrl, workDir, stop };
}
