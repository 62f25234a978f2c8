import os from 'node:os';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { isMedallionError } from '../../errors.js';
import { createSparkEngine, sparkConf } from './create-spark-engine.js';
import { SparkEngineSchema } from '../../spec/pipeline-spec.js';

const logger = pino({ level: 'silent' });

describe('createSparkEngine without Spark', () => {
  it.each([undefined, '/nonexistent/spark'])(
    'sparkHome %s: an ENGINE error that says how to install',
    async (home) => {
      const e = await createSparkEngine({
        sparkHome: home,
        master: 'local[1]',
        tempDir: os.tmpdir(),
        logger,
      }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isMedallionError(e) && e.code).toBe('ENGINE');
      expect((e as Error).message).toMatch(/spec\.engine\.type is spark/);
      expect(isMedallionError(e) && e.hint).toMatch(
        /bash test\/spark\/setup-spark\.sh.*MEDALLION_SPARK_HOME/,
      );
    },
  );
});

describe('sparkConf', () => {
  it('maps the spec block to Spark properties, the user conf last', () => {
    const spec = SparkEngineSchema.parse({
      driver: { memory: '2g' },
      executor: { cores: 2, instances: 3 },
      dynamicAllocation: { enabled: true, maxExecutors: 8 },
      conf: { 'spark.executor.instances': '4', 'spark.sql.shuffle.partitions': '64' },
    });
    expect(sparkConf(spec)).toEqual({
      'spark.driver.memory': '2g',
      'spark.executor.cores': '2',
      'spark.executor.instances': '4',
      'spark.dynamicAllocation.enabled': 'true',
      'spark.dynamicAllocation.maxExecutors': '8',
      'spark.sql.shuffle.partitions': '64',
    });
    expect(SparkEngineSchema.parse({}).master).toBe('local[2]');
    expect(() => SparkEngineSchema.parse({ master: 'yarn' })).toThrow(/local\[N\]/);
  });
});
