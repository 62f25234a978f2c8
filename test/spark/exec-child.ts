/**
 * Child of the driver's `--exec` mode (driver-exec.spark-test.ts): connects through MEDALLION_SPARK_ENDPOINT as a
 * step does in a SparkApplication, prints what it got as one JSON line, and exits with code 7 so that the test sees
 * the driver pass the command's exit code on.
 */
import os from 'node:os';
import pino from 'pino';
import { createSparkEngine } from '../../runner/engine/spark/create-spark-engine.js';

const engine = await createSparkEngine({
  sparkHome: undefined,
  master: 'unused',
  tempDir: os.tmpdir(),
  logger: pino({ level: 'silent' }),
  endpoint: process.env.MEDALLION_SPARK_ENDPOINT,
});
const rows = await engine.all(
  `SELECT CAST(1.005 AS DECIMAL(18,3)) * 3 AS money, 9007199254740993 AS big, TIMESTAMP_NTZ'2011-03-27 01:30:00' AS ts`,
);
const error = await engine.run('SELECT * FROM no_such_table').then(
  () => null,
  (e: Error & { code?: string }) => ({ code: e.code, message: e.message }),
);
engine.close();
process.stdout.write(`RESULT ${JSON.stringify({ rows, error })}\n`);
process.exit(7);
