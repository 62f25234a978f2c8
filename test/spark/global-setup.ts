import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Spark home (bin/spark-submit) installed by test/spark/setup-spark.sh. */
    sparkHome: string;
  }
}

/** Installs Spark (cached under ~/.cache/medallion, a no-op when present) so that a clean CI needs no other step. */
export default function setup(project: TestProject): void {
  const home =
    process.env.MEDALLION_SPARK_HOME ||
    (execFileSync('bash', ['test/spark/setup-spark.sh'], { stdio: ['ignore', 'pipe', 'inherit'] })
      .toString()
      .trim()
      .split('\n')
      .at(-1) ??
      '');
  if (!home) throw new Error('test/spark/setup-spark.sh printed no Spark home');
  project.provide('sparkHome', home);
}
