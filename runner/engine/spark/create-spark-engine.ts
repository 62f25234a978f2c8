import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MedallionError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { SqlEngine } from '../sql-engine.js';
import { SPARK_CORRECTNESS_CONF } from './spark-correctness-conf.js';
import type { PipelineSpec } from '../../spec/pipeline-spec.js';

type SparkEngineSpec = PipelineSpec['engine']['spark'];

type Row = Awaited<ReturnType<SqlEngine['all']>>[number];

/** The driver beside this module: in the sources, and in dist/ (`npm run build` copies it; the image has dist/). */
export const SPARK_DRIVER = fileURLToPath(new URL('./medallion-spark-driver.py', import.meta.url));

export const SPARK_INSTALL_HINT =
  'Install Spark with `bash test/spark/setup-spark.sh` (pyspark from PyPI, needs Java 17+) and set MEDALLION_SPARK_HOME to the path it prints, or set SPARK_HOME to an existing Spark 4 installation.';

/** Settings every Medallion Spark session runs with: UTC, zstd Parquet, no UI, exact decimals, loopback only. */
const BASE_CONF: Record<string, string> = {
  ...SPARK_CORRECTNESS_CONF,
  'spark.ui.enabled': 'false',
  'spark.driver.host': '127.0.0.1',
  'spark.driver.bindAddress': '127.0.0.1',
  'spark.sql.shuffle.partitions': '8',
  // The row store arrives as one Parquet file of ~20 MB per million rows: split it by row groups so that every
  // core scans (128 MB, the default, reads it in one task). Override in spec.engine.spark.conf for big inputs.
  'spark.sql.files.maxPartitionBytes': '8m',
};

/** The spec's Spark block as Spark properties (the user's `conf` last, so it wins). */
export function sparkConf(spark: SparkEngineSpec): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (k: string, v: string | number | boolean | undefined): void => {
    if (v !== undefined) out[k] = String(v);
  };
  set('spark.driver.cores', spark.driver.cores);
  set('spark.driver.memory', spark.driver.memory);
  set('spark.executor.cores', spark.executor.cores);
  set('spark.executor.memory', spark.executor.memory);
  set('spark.executor.instances', spark.executor.instances);
  if (spark.dynamicAllocation.enabled) {
    set('spark.dynamicAllocation.enabled', true);
    set('spark.dynamicAllocation.minExecutors', spark.dynamicAllocation.minExecutors);
    set('spark.dynamicAllocation.maxExecutors', spark.dynamicAllocation.maxExecutors);
  }
  return { ...out, ...spark.conf };
}

export interface SparkEngineOptions {
  /** SPARK_HOME: the directory holding bin/spark-submit (the config module's sparkHome). */
  sparkHome: string | undefined;
  /** `--master`, e.g. local[2]. */
  master: string;
  conf?: Record<string, string> | undefined;
  /** Scratch: Spark's local dirs and the driver's port file. */
  tempDir: string;
  logger: Logger;
  /** How long the session may take to start (JVM + SparkSession). */
  startTimeoutMs?: number;
  /**
   * host:port of a driver that is already running (MEDALLION_SPARK_ENDPOINT, set by the driver's `--exec` mode in a
   * SparkApplication): connect to it instead of starting one.
   */
  endpoint?: string | undefined;
}

export type SparkEngine = SqlEngine & { readonly kind: 'spark' };

/**
 * Starts `spark-submit --master <master> medallion-spark-driver.py` (or connects to a running driver) and speaks its
 * JSON-lines protocol.
 */
export async function createSparkEngine(o: SparkEngineOptions): Promise<SparkEngine> {
  const log = o.logger.child({ component: 'spark-engine' });
  const driver = o.endpoint ? undefined : await startDriver(o, log);
  const [host, port] = o.endpoint ? parseEndpoint(o.endpoint) : ['127.0.0.1', driver!.port];
  const tail = driver?.tail ?? [];
  const socket = net.connect(port, host);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)).catch(
    (cause: unknown) => {
      throw new MedallionError('ENGINE', `cannot reach the Spark driver at ${host}:${port}`, {
        cause,
        hint: 'MEDALLION_SPARK_ENDPOINT is set by medallion-spark-driver.py --exec; check that the driver is running.',
      });
    },
  );
  const pending = new Map<number, (reply: { ok: boolean; rows?: Row[]; error?: string }) => void>();
  readline.createInterface({ input: socket }).on('line', (line) => {
    const reply = JSON.parse(line) as { id: number; ok: boolean; rows?: Row[]; error?: string };
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  let lost: MedallionError | undefined;
  const fail = (why: string): void => {
    lost ??= new MedallionError('ENGINE', `the Spark driver ${why}`, {
      hint: `Spark's last output: ${tail.slice(-5).join(' | ') || '(none)'}`,
    });
    for (const [id, resolve] of pending) {
      resolve({ ok: false, error: lost.message });
      pending.delete(id);
    }
  };
  socket.on('close', () => fail('closed its connection'));
  socket.on('error', (e) => fail(`connection failed: ${e.message}`));
  driver?.child.on('exit', (code) => fail(`exited (code ${code})`));
  let nextId = 0;
  const send = async (op: 'run' | 'all', sql: string): Promise<Row[]> => {
    if (lost) throw lost;
    const id = ++nextId;
    const t0 = performance.now();
    const reply = await new Promise<{ ok: boolean; rows?: Row[]; error?: string }>((resolve) => {
      pending.set(id, resolve);
      socket.write(JSON.stringify({ id, op, sql }) + '\n');
    });
    log.trace({ ms: Math.round(performance.now() - t0), sql: sql.slice(0, 200) }, 'spark sql');
    if (!reply.ok)
      throw new MedallionError('ENGINE', `Spark SQL error: ${(reply.error ?? 'unknown').split('\n')[0]}`, {
        cause: new Error(reply.error),
        hint: 'The statement was generated by Medallion for Spark; run with MEDALLION_LOG_LEVEL=trace to see it, and report the error with the Spark version (the Spark engine is tested with pyspark 4.2).',
      });
    return reply.rows ?? [];
  };
  return {
    kind: 'spark',
    run: async (sql) => void (await send('run', sql)),
    all: (sql) => send('all', sql),
    // A driver we started stops its session when the connection closes; then its scratch directory goes.
    close: () => {
      socket.removeAllListeners('close');
      socket.end();
      if (!driver) return;
      const { child, localDir } = driver;
      child.removeAllListeners('exit');
      // Spark removes its own scratch at shutdown; the port file goes now, the directory once the driver exits
      // (while this process lives; a CLI run that ends first leaves at most the empty directory in _tmp).
      rmSync(path.join(localDir, 'port'), { force: true });
      child.once('exit', () => void fs.rm(localDir, { recursive: true, force: true }).catch(() => undefined));
      child.unref();
      (child.stdout as NodeJS.ReadableStream & { unref?: () => void }).unref?.();
      (child.stderr as NodeJS.ReadableStream & { unref?: () => void }).unref?.();
    },
  };
}

function parseEndpoint(endpoint: string): [string, number] {
  const m = /^([\w.-]+):(\d+)$/.exec(endpoint);
  if (!m)
    throw new MedallionError('ENGINE', `MEDALLION_SPARK_ENDPOINT "${endpoint}" is not host:port`, {
      hint: 'It is set by medallion-spark-driver.py --exec; do not set it by hand.',
    });
  return [m[1]!, Number(m[2])];
}

async function startDriver(o: SparkEngineOptions, log: Logger) {
  const submit = o.sparkHome && path.join(o.sparkHome, 'bin', 'spark-submit');
  if (!submit || !existsSync(submit))
    throw new MedallionError(
      'ENGINE',
      o.sparkHome
        ? `spec.engine.type is spark, but ${submit} does not exist`
        : 'spec.engine.type is spark, but no Spark installation is configured (MEDALLION_SPARK_HOME / SPARK_HOME)',
      { hint: SPARK_INSTALL_HINT },
    );
  const localDir = path.join(o.tempDir, `spark-${process.pid}-${Date.now()}`);
  await fs.mkdir(localDir, { recursive: true });
  const portFile = path.join(localDir, 'port');
  // A pip-installed Spark lives in a virtualenv's site-packages: run the driver with that venv's Python.
  const venvPython = path.resolve(o.sparkHome!, '../../../../bin/python');
  const conf = {
    ...BASE_CONF,
    'spark.local.dir': localDir,
    ...(existsSync(venvPython) ? { 'spark.pyspark.python': venvPython } : {}),
    ...o.conf,
  };
  const args = ['--master', o.master, ...Object.entries(conf).flatMap(([k, v]) => ['--conf', `${k}=${v}`])];
  // The environment is inherited (PATH, JAVA_HOME); spark-submit finds its home from its own location.
  const child = spawn(submit, [...args, SPARK_DRIVER, '--port-file', portFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer): void => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 20));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const started = performance.now();
  const port = await waitForPort(child, portFile, o.startTimeoutMs ?? 180_000, tail);
  log.debug({ ms: Math.round(performance.now() - started), master: o.master }, 'spark session started');
  return { child, port, tail, localDir };
}

async function waitForPort(child: ChildProcess, portFile: string, timeoutMs: number, tail: string[]) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await fs.readFile(portFile, 'utf8').catch(() => undefined);
    if (text) return Number(text);
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill('SIGKILL');
      throw new MedallionError(
        'ENGINE',
        `Spark did not start (${child.exitCode === null ? `no session after ${timeoutMs / 1000} s` : `spark-submit exited with code ${child.exitCode}`}): ${tail.slice(-3).join(' | ') || 'no output'}`,
        { hint: `Check Java 17+ (java -version) and the Spark installation. ${SPARK_INSTALL_HINT}` },
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
