import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseSpecSchema } from '../../runner/spec/warehouse-spec.js';
import type { WarehouseSource } from '../../runner/warehouse/warehouse-source.js';
import { runWarehouseStep, type WarehouseStepResult } from '../../runner/warehouse/warehouse-step.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';
import { createPartitionedSilver, type PartitionedSilver } from './helpers/partitioned-silver.js';
import { naturalSnapshot } from './helpers/snapshots.js';
import { startTestPostgres, testLogger, type TestPostgres } from './helpers/test-postgres.js';

/**
 * Incremental warehouse loads (issue "Incremental runs", ADR 0023) on the real silver of the full Online Retail
 * data, split by business date into partition files. The silver is published in five batches — new dates, a
 * re-ingested file whose lines partly vanish and partly change, a removed date, a customer seen in a new country in
 * the middle of their history, one new day — and after every batch the incrementally loaded warehouse must equal a
 * full load of the same version, table by table (natural keys; surrogate key numbers and run ids aside).
 */

let db: TestPostgres;
let admin: pg.Pool;
let pipeline: Fixture;
let silver: PartitionedSilver;

const spec = (schema: string) => WarehouseSpecSchema.parse({ schema });
const load = (
  schema: string,
  source: WarehouseSource,
  runId: string,
  extra: { onPhase?: (phase: string) => void; fullRefresh?: boolean } = {},
): Promise<WarehouseStepResult> =>
  runWarehouseStep({ source, runId, spec: spec(schema), connect: db.connect, logger: testLogger, ...extra });

const succeeded = (result: WarehouseStepResult): NonNullable<WarehouseStepResult['load']> => {
  expect(result.error).toBeUndefined();
  expect(result.status).toBe('Succeeded');
  if (!result.load) throw new Error('no load result');
  return result.load;
};

/** A full load of the same version into a fresh schema: what the incremental warehouse must equal. */
const fullLoadSnapshot = async (source: WarehouseSource, name: string): Promise<Record<string, string>> => {
  const schema = `wh_once_${name}`;
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const once = succeeded(await load(schema, source, `once-${name}`));
  expect(once.full).toBe(true);
  return naturalSnapshot(admin, schema);
};

/** Index and constraint identities of fact_sales: a drop and rebuild gives them new OIDs. */
const factIndexIdentity = async (schema: string): Promise<string[]> => {
  const { rows } = await admin.query<{ id: string }>(
    `SELECT c.relname || ':' || c.oid AS id FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = $1::regclass
     UNION ALL SELECT conname || ':' || oid FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY 1`,
    [`${schema}.fact_sales`],
  );
  return rows.map((r) => r.id);
};

const loadedState = async (schema: string) =>
  (await admin.query(`SELECT run_id, silver_version, partitions FROM ${schema}.warehouse_loaded_silver`))
    .rows;

beforeAll(async () => {
  db = await startTestPostgres();
  admin = db.pool();
  pipeline = createFixture();
  const source = fullDataDir();
  for (const name of fs.readdirSync(source).filter((f) => f.endsWith('.csv')))
    fs.copyFileSync(path.join(source, name), path.join(pipeline.sourceDir, name));
  const summary = await pipeline.run({ steps: ['bronze', 'silver', 'gold'] });
  if (summary.status === 'Failed') throw new Error(`pipeline failed: ${JSON.stringify(summary.steps)}`);
  silver = await createPartitionedSilver({
    silverDir: await pipeline.wholeSilverDir(),
    goldDir: path.dirname(pipeline.goldFile('kpis')),
    outDir: path.join(pipeline.dir, 'parts-lake'),
  });
});

afterAll(async () => {
  silver?.close();
  await db?.stop();
  pipeline?.cleanup();
});

describe('incremental loads of a partitioned silver', () => {
  const schema = 'wh_batches';

  let once: Record<string, string>;
  let b5: Awaited<ReturnType<PartitionedSilver['publish']>>;

  it('batch 1: the first load is full', async () => {
    const b1 = await silver.publish('r1', `SELECT * FROM lines WHERE business_date < DATE '2011-03-01'`);
    const first = succeeded(await load(schema, b1.source, 'r1'));
    expect(first.full).toBe(true);
    expect(first.factMode).toBe('fill-bulk');
    expect(first.partitions.keys).toEqual(Object.keys(b1.source.silver.partitions ?? {}).sort());
  });

  it('batch 2: new dates, a re-ingested file and a removed date load only those partitions', async () => {
    // Three more months, a re-ingested file (a quarter of its lines gone, a quarter changed) and a whole
    // date removed.
    const [pick] = await silver.query(
      `SELECT strftime(min(business_date), '%Y-%m-%d') AS gone,
              (SELECT min(source_file) FROM lines WHERE business_date = DATE '2011-01-12') AS file
       FROM lines WHERE business_date >= DATE '2011-02-14'`,
    );
    const gone = String(pick?.gone);
    const file = String(pick?.file);
    const b2 = await silver.publish(
      'r2',
      `SELECT * FROM lines WHERE business_date < DATE '2011-06-01' AND business_date <> DATE '${gone}'
         AND NOT (source_file = '${file}' AND source_line % 4 IN (0, 1))
       UNION ALL
       SELECT * REPLACE (quantity + 1 AS quantity, CAST((quantity + 1) * unit_price AS DECIMAL(38,6)) AS line_amount,
                         md5(row_hash || '-v2') AS row_hash)
       FROM lines WHERE source_file = '${file}' AND source_line % 4 = 1`,
    );
    expect(b2.changed).toContain(gone);
    expect(b2.changed).toContain('2011-01-12');
    expect(b2.source.silver.partitions?.[gone]).toBeUndefined();
    const second = succeeded(await load(schema, b2.source, 'r2'));
    expect(second.full).toBe(false);
    expect(second.partitions).toEqual({ full: false, keys: b2.changed });
    expect(second.factDeleted).toBeGreaterThan(0);
    expect(second.factInserted).toBeGreaterThan(0);
    expect(await naturalSnapshot(admin, schema)).toEqual(await fullLoadSnapshot(b2.source, '2'));
  });

  it('batch 3: a customer seen in a new country mid-history is versioned as a full load does', async () => {
    // Three more months, and a customer who bought in one country before and after is seen in Iceland on
    // an old date in between: the type-2 history gains two versions and the customer's later facts (of dates this
    // batch does not touch) must move to the third version, as a full load's key join puts them.
    const [mover] = await silver.query(
      `WITH c AS (SELECT customer_id FROM cur WHERE customer_id IS NOT NULL GROUP BY 1
                  HAVING min(business_date) < DATE '2011-02-01' AND max(business_date) >= DATE '2011-04-01'
                     AND count(DISTINCT country) = 1 AND min(country) <> 'Iceland' ORDER BY 1 LIMIT 1)
       SELECT c.customer_id, (SELECT strftime(min(d.business_date), '%Y-%m-%d') FROM cur d
           WHERE d.business_date BETWEEN DATE '2011-02-01' AND DATE '2011-02-28' AND NOT EXISTS
             (SELECT 1 FROM cur x WHERE x.customer_id = c.customer_id AND x.business_date = d.business_date)) AS day
       FROM c`,
    );
    const customer = String(mover?.customer_id);
    const day = String(mover?.day);
    const b3 = await silver.publish(
      'r3',
      `SELECT * FROM cur UNION ALL
       SELECT * FROM lines WHERE business_date >= DATE '2011-06-01' AND business_date < DATE '2011-09-01'
       UNION ALL
       SELECT * REPLACE ('${customer}' AS customer_id, 'X900001' AS invoice_no, DATE '${day}' AS business_date,
                         CAST('${day} 12:00:00+00' AS TIMESTAMPTZ) AS invoice_ts, md5('synthetic-move') AS row_hash,
                         'synthetic.csv' AS source_file, 2 AS source_line)
       FROM (SELECT * FROM lines WHERE country = 'Iceland' ORDER BY row_hash LIMIT 1)`,
    );
    expect(b3.changed).toContain(day);
    const third = succeeded(await load(schema, b3.source, 'r3'));
    expect(third.full).toBe(false);
    expect(third.partitions.keys).toEqual(b3.changed);
    const { rows: history } = await admin.query<{ country_name: string }>(
      `SELECT country_name FROM ${schema}.dim_customer WHERE customer_id = $1 ORDER BY version`,
      [customer],
    );
    expect(history.map((h) => h.country_name)).toHaveLength(3);
    expect(history[1]?.country_name).toBe('Iceland');
    // Later facts of the mover, in partitions this batch did not touch, now point at the third version.
    const { rows: later } = await admin.query<{ version: number; n: string }>(
      `SELECT c.version, count(*) AS n FROM ${schema}.fact_sales f JOIN ${schema}.dim_customer c USING (customer_key)
       WHERE c.customer_id = $1 AND f.invoice_ts > $2::timestamptz + interval '1 day' GROUP BY 1`,
      [customer, day],
    );
    expect(later.map((r) => r.version)).toEqual([3]);
    expect(third.factUpdated).toBeGreaterThanOrEqual(Number(later[0]?.n));
    expect(await naturalSnapshot(admin, schema)).toEqual(await fullLoadSnapshot(b3.source, '3'));
  });

  it('batch 4: a failure before COMMIT rolls back everything, the retry loads the same partitions', async () => {
    // The rest but the last day. A failure just before COMMIT rolls everything back, including what the
    // warehouse remembers having loaded; the retry then loads the same partitions.
    const b4 = await silver.publish(
      'r4',
      `SELECT * FROM cur UNION ALL SELECT * FROM lines
       WHERE business_date >= DATE '2011-09-01' AND business_date < DATE '2011-12-09'`,
    );
    const before = await naturalSnapshot(admin, schema);
    const state = await loadedState(schema);
    const failed = await load(schema, b4.source, 'r4', {
      onPhase: (phase) => {
        if (phase === 'commit') throw new Error('injected failure before commit');
      },
    });
    expect(failed.status).toBe('Failed');
    expect(failed.error?.code).toBe('WAREHOUSE_LOAD');
    expect(await naturalSnapshot(admin, schema)).toEqual(before);
    expect(await loadedState(schema)).toEqual(state);
    const fourth = succeeded(await load(schema, b4.source, 'r4'));
    expect(fourth.full).toBe(false);
    expect(fourth.partitions.keys).toEqual(b4.changed);
  });

  it('batch 5: one new day merges row by row without rebuilding an index, and equals a full load', async () => {
    // Merged row by row: no index or foreign key of fact_sales is dropped and rebuilt.
    b5 = await silver.publish(
      'r5',
      `SELECT * FROM cur UNION ALL SELECT * FROM lines WHERE business_date = DATE '2011-12-09'`,
    );
    expect(b5.changed).toEqual(['2011-12-09']);
    const indexes = await factIndexIdentity(schema);
    const phases: string[] = [];
    const fifth = succeeded(await load(schema, b5.source, 'r5', { onPhase: (p) => void phases.push(p) }));
    expect(fifth).toMatchObject({
      full: false,
      factMode: 'row-by-row',
      partitions: { keys: ['2011-12-09'] },
    });
    expect(fifth.factLines).toBe(fifth.factInserted);
    const [day5] = await silver.query(
      `SELECT count(*) AS n FROM lines WHERE business_date = DATE '2011-12-09'`,
    );
    expect(fifth.factLines).toBe(Number(day5?.n));
    expect(await factIndexIdentity(schema)).toEqual(indexes);
    expect(phases).toEqual(['export', 'dimensions', 'facts', 'marts', 'commit', 'done']);
    once = await fullLoadSnapshot(b5.source, '5');
    expect(await naturalSnapshot(admin, schema)).toEqual(once);
  });

  it('the same version again touches nothing; --full-refresh and an unpartitioned silver load in full', async () => {
    // The same version again touches nothing; --full-refresh reloads every partition and finds nothing to change.
    const again = succeeded(await load(schema, b5.source, 'r5-again'));
    expect(again).toMatchObject({
      full: false,
      factLines: 0,
      factMode: 'unchanged',
      partitions: { keys: [] },
    });
    expect(again.factInserted + again.factUpdated + again.factDeleted + again.dimensionChanges).toBe(0);
    const refresh = succeeded(await load(schema, b5.source, 'r5-full', { fullRefresh: true }));
    expect(refresh).toMatchObject({ full: true, factMode: 'unchanged' });
    expect(refresh.partitions.keys).toHaveLength(Object.keys(b5.source.silver.partitions ?? {}).length);
    expect(await naturalSnapshot(admin, schema)).toEqual(once);

    // An unpartitioned silver (an older lake) is loaded in full, and the next partitioned one in full again.
    const { partitions: _dropped, ...unpartitioned } = b5.source.silver;
    void _dropped;
    const old = succeeded(await load(schema, { ...b5.source, silver: unpartitioned }, 'r6-old'));
    expect(old.full).toBe(true);
    // The whole-silver dimension queries (ADR 0023) and the pre-aggregates (ADR 0026) give the same members.
    expect(await naturalSnapshot(admin, schema)).toEqual(once);
    expect(await loadedState(schema)).toMatchObject([{ run_id: 'r6-old', partitions: null }]);
    expect(succeeded(await load(schema, b5.source, 'r7')).full).toBe(true);
    expect(await naturalSnapshot(admin, schema)).toEqual(once);
  }, 900_000);

  it('lines added to an old day and removed again: dimensions and SCD2 history return to the full load', async () => {
    // A rarely sold product gets a new most frequent description, a customer buys in a new country in the middle
    // of their history and a new invoice appears — all on one old date. Then the same lines go again (a
    // re-ingested file without them): the members must return exactly to what a full load gives.
    const [pick] = await silver.query(
      `WITH p AS (SELECT stock_code FROM cur WHERE description IS NOT NULL GROUP BY 1 HAVING count(*) = 1
                  ORDER BY 1 LIMIT 1),
            c AS (SELECT customer_id FROM cur WHERE customer_id IS NOT NULL GROUP BY 1
                  HAVING min(business_date) < DATE '2011-02-01' AND max(business_date) > DATE '2011-06-01'
                     AND count(DISTINCT country) = 1 AND min(country) <> 'Japan' ORDER BY 1 LIMIT 1)
       SELECT (SELECT stock_code FROM p) AS product, (SELECT customer_id FROM c) AS customer`,
    );
    const product = String(pick?.product);
    const customer = String(pick?.customer);
    const day = '2011-03-15';
    const extra = `SELECT * REPLACE ('${product}' AS stock_code, 'SYNTHETIC DESCRIPTION' AS description,
        '${customer}' AS customer_id, 'Japan' AS country, 'X800001' AS invoice_no, DATE '${day}' AS business_date,
        CAST('${day} 10:00:00+00' AS TIMESTAMPTZ) AS invoice_ts, md5('synthetic-6-' || row_hash) AS row_hash,
        'synthetic6.csv' AS source_file)
      FROM (SELECT * FROM lines WHERE business_date = DATE '${day}' ORDER BY row_hash LIMIT 3)`;
    const b6 = await silver.publish('r8', `SELECT * FROM cur UNION ALL ${extra}`);
    expect(b6.changed).toEqual([day]);
    const sixth = succeeded(await load(schema, b6.source, 'r8'));
    expect(sixth.partitions.keys).toEqual([day]);
    const description = async (): Promise<unknown> =>
      (await admin.query(`SELECT description FROM ${schema}.dim_product WHERE stock_code = $1`, [product]))
        .rows[0]?.description;
    const versions = async (): Promise<string[]> =>
      (
        await admin.query<{ country_name: string }>(
          `SELECT country_name FROM ${schema}.dim_customer WHERE customer_id = $1 ORDER BY version`,
          [customer],
        )
      ).rows.map((r) => r.country_name);
    expect(await description()).toBe('SYNTHETIC DESCRIPTION');
    expect(await versions()).toContain('Japan');
    expect(await naturalSnapshot(admin, schema)).toEqual(await fullLoadSnapshot(b6.source, '6'));

    const b7 = await silver.publish('r9', `SELECT * FROM cur WHERE source_file <> 'synthetic6.csv'`);
    expect(b7.changed).toEqual([day]);
    const seventh = succeeded(await load(schema, b7.source, 'r9'));
    expect(seventh).toMatchObject({ full: false, partitions: { keys: [day] } });
    expect(seventh.factDeleted).toBe(3);
    expect(await description()).not.toBe('SYNTHETIC DESCRIPTION');
    expect(await versions()).not.toContain('Japan');
    expect(
      (await admin.query(`SELECT 1 FROM ${schema}.dim_invoice WHERE invoice_no = 'X800001'`)).rowCount,
    ).toBe(0);
    // Same lines as batch 5's version: exactly the full load of that version.
    expect(await naturalSnapshot(admin, schema)).toEqual(once);
  }, 600_000);
});
