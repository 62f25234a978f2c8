import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPARK_DRIVER_FILE, STEP_COMMAND } from '../../operator/run/spark-application.js';
import type { StepOutcome } from './fake-job-executor.js';
import type { SparkScript } from './fake-spark-operator.js';
import { runnerContainer, type RunnerContainerOptions } from './runner-container.js';

/**
 * Runs a SparkApplication's driver for real, in local mode, as the Spark Operator's spark-submit would on a cluster:
 * `spark-submit --master local[N] --conf <the application's sparkConf> <mainApplicationFile> <arguments>`, with the
 * driver pod template's container env, volumes and termination-message file (through runner-container.ts, which
 * stands in for kubelet). The image's /app is this repository: `local:///app/...` resolves below it, so the test
 * fails if the operator names a driver file the image would not have. The arguments must be the driver's `--exec --`
 * mode around the image's entrypoint (`node /app/bin/medallion.js <step args>`); the runner then runs as the driver's
 * child and sends its Spark SQL to the driver's session through MEDALLION_SPARK_ENDPOINT.
 *
 * Local mode differs from a cluster in one way that matters: driver, executors and runner share one disk. Silver's
 * hybrid split (ADR 0031) stages its row store and the classified rows in the lake's local scratch, so an S3 lake
 * works here without S3A; on a cluster the executors would need that hand-over on the object store.
 */

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface SparkSubmitOptions extends RunnerContainerOptions {
  /** SPARK_HOME holding bin/spark-submit (test/spark/setup-spark.sh prints it). */
  sparkHome: string;
  /** `--master`: local[N]. */
  master?: string;
}

export const sparkEventLogDir = (root: string, app: string) => join(root, 'spark-events', app);

/** The SQL executions of an application's Spark session, from its event log (plans name the files they touch). */
export function sparkSqlExecutions(root: string, app: string): string[] {
  const dir = sparkEventLogDir(root, app);
  // Spark 4 rolls event logs: a directory per application (eventlog_v2_<id>/events_<n>_<id>).
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && f.name.startsWith('events_'))
    .flatMap((f) => readFileSync(join(f.parentPath, f.name), 'utf8').split('\n'))
    .filter((l) => l.includes('SparkListenerSQLExecutionStart'))
    .map((l) => {
      const e = JSON.parse(l) as { description?: string; physicalPlanDescription?: string };
      return `${e.description ?? ''}\n${e.physicalPlanDescription ?? ''}`;
    });
}

export function sparkSubmitContainer(opts: SparkSubmitOptions): SparkScript {
  const submit = join(opts.sparkHome, 'bin', 'spark-submit');
  // A pip-installed Spark lives in a virtualenv's site-packages: PySpark runs with that venv's Python.
  const venvPython = join(opts.sparkHome, '../../../../bin/python');
  return async (app): Promise<StepOutcome> => {
    const spec = app.spec;
    const main = String(spec.mainApplicationFile);
    if (main !== SPARK_DRIVER_FILE || !main.startsWith('local:///app/'))
      throw new Error(`${app.name}: mainApplicationFile ${main} is not the image's driver`);
    const driver = join(REPO, main.slice('local:///app/'.length));
    if (!existsSync(driver)) throw new Error(`${app.name}: ${driver} is missing: run npm run build`);
    const args = spec.arguments as string[];
    const prefix = ['--exec', '--', ...STEP_COMMAND];
    if (JSON.stringify(args.slice(0, prefix.length)) !== JSON.stringify(prefix))
      throw new Error(`${app.name}: arguments ${JSON.stringify(args)} do not start with ${prefix.join(' ')}`);
    // Spark's event log, one directory per application: what the session really executed (sparkEventLog reads it).
    const events = sparkEventLogDir(opts.root, app.name);
    mkdirSync(events, { recursive: true });
    const template = spec.driver.template.spec;
    const container = template.containers[0];
    // What the Spark Operator and Spark add on a cluster (its own pod, its own address) is loopback here.
    const conf: Record<string, string> = {
      ...(spec.sparkConf as Record<string, string>),
      'spark.ui.enabled': 'false',
      'spark.driver.host': '127.0.0.1',
      'spark.driver.bindAddress': '127.0.0.1',
      'spark.app.name': app.name,
      'spark.eventLog.enabled': 'true',
      'spark.eventLog.dir': events,
      'spark.eventLog.compress': 'false',
      ...(existsSync(venvPython) ? { 'spark.pyspark.python': venvPython } : {}),
    };
    const run = runnerContainer({
      ...opts,
      launch: (argv) => [
        submit,
        '--master',
        opts.master ?? 'local[2]',
        ...Object.entries(conf).flatMap(([k, v]) => ['--conf', `${k}=${v}`]),
        driver,
        '--exec',
        '--',
        ...argv,
      ],
    });
    const outcome = await run({
      name: app.name,
      step: app.step,
      attempt: app.attempt,
      pod: {
        ...template,
        containers: [{ ...container, image: spec.image, args: args.slice(prefix.length) }],
      },
    });
    if (outcome === 'hang') throw new Error('unreachable');
    return outcome;
  };
}
