import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { SPARK_DRIVER } from '../../runner/engine/spark/create-spark-engine.js';

/**
 * The driver's Kubernetes shape, run locally: `spark-submit medallion-spark-driver.py --exec -- <command>` starts the
 * session, runs the command with MEDALLION_SPARK_ENDPOINT, and exits with the command's exit code. The command talks
 * to Spark through the runner's engine: exact decimals and big integers as text, Spark errors as ENGINE errors.
 */
describe('medallion-spark-driver.py --exec', () => {
  it('runs the command against its session and exits with its code', () => {
    const child = path.resolve(import.meta.dirname, 'exec-child.ts');
    const r = spawnSync(
      path.join(inject('sparkHome'), 'bin', 'spark-submit'),
      [
        '--master',
        'local[1]',
        '--conf',
        'spark.ui.enabled=false',
        '--conf',
        'spark.driver.bindAddress=127.0.0.1',
        '--conf',
        'spark.driver.host=127.0.0.1',
        SPARK_DRIVER,
        '--exec',
        '--',
        process.execPath,
        '--import',
        'tsx',
        child,
      ],
      { encoding: 'utf8', timeout: 240_000 },
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, r.stderr.slice(-2000)).toBeDefined();
    const got = JSON.parse(line!.slice('RESULT '.length)) as {
      rows: Record<string, unknown>[];
      error: { code: string; message: string } | null;
    };
    expect(got.rows).toEqual([{ money: '3.015', big: '9007199254740993', ts: '2011-03-27 01:30:00' }]);
    expect(got.error?.code).toBe('ENGINE');
    expect(got.error?.message).toMatch(/^Spark SQL error: AnalysisException: \[TABLE_OR_VIEW_NOT_FOUND\]/);
    expect(r.status).toBe(7);
  });
});
