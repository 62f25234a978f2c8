import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { createFixture, fullDataDir, HEADER, type Fixture } from '../helpers/pipeline-fixture.js';
import { compareLakeTables, openLakeReader, SILVER_TABLES } from '../helpers/lake-equivalence.js';
import fs from 'node:fs';
import path from 'node:path';

const T = '2010-12-01 09:00:00';
const QUALITY = '  quality: { minScore: 0.1, maxQuarantineRatio: 1 }';

/**
 * An incremental run on Spark (the second of two runs: new files touch some partitions, one repeats lines of the
 * first) equals one full run on DuckDB over all the files: the row store that restricts the work to the touched
 * partitions is the Spark step's input as much as DuckDB's.
 */
describe('incremental silver on Spark equals a full DuckDB run', () => {
  let spark: Fixture;
  let duck: Fixture;
  const runs: RunSummary[] = [];
  const real = (name: string): string => fs.readFileSync(path.join(fullDataDir(), name), 'utf8');

  beforeAll(async () => {
    spark = createFixture(`${QUALITY}\n  engine: { type: spark, spark: { master: 'local[1]' } }`);
    duck = createFixture(QUALITY);
    const sparkHome = inject('sparkHome');
    const first = { '2010-12-01.csv': real('2010-12-01.csv'), '2010-12-02.csv': real('2010-12-02.csv') };
    const second = {
      '2010-12-03.csv': real('2010-12-03.csv'),
      // Lines of 2010-12-01 again (duplicates of rows in an untouched-until-now partition) and broken lines.
      'zz-late.csv': [
        HEADER,
        ...real('2010-12-01.csv').split('\n').slice(1, 4),
        `536369,22633,X,six,${T},1.5,,United Kingdom`,
        `C536371,22633,X,3,${T},1.85,,France`,
      ].join('\n'),
    };
    for (const [n, c] of Object.entries(first)) spark.write(n, c);
    runs.push(await spark.run({ sparkHome }));
    for (const [n, c] of Object.entries(second)) spark.write(n, c);
    runs.push(await spark.run({ sparkHome }));
    for (const [n, c] of Object.entries({ ...first, ...second })) duck.write(n, c);
    runs.push(await duck.run());
  });
  afterAll(() => {
    spark?.cleanup();
    duck?.cleanup();
  });

  it('the second Spark run is incremental and touches only its partitions', () => {
    for (const r of runs) expect(r.status, JSON.stringify(r.error)).not.toBe('Failed');
    const touched = runs[1]!.steps.silver!.partitions as { full: boolean; keys: string[] };
    expect(touched.full).toBe(false);
    expect(touched.keys).toEqual(['2010-12-01', '2010-12-03']);
  });

  it.each(SILVER_TABLES)('silver %s equals the full DuckDB run', async (table) => {
    const d = await compareLakeTables(
      await openLakeReader(duck.specFile),
      await openLakeReader(spark.specFile),
      'silver',
      table,
    );
    expect(d.sample).toEqual([]);
    expect(d.differing).toBe(0);
    expect(d.rowsB).toBe(d.rowsA);
  });
});
