import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseSpecSchema } from '../../runner/spec/warehouse-spec.js';
import { MIGRATIONS } from '../../runner/warehouse/migrations/index.js';
import { runMigrations } from '../../runner/warehouse/run-migrations.js';
import { runWarehouseStep, type WarehouseStepResult } from '../../runner/warehouse/warehouse-step.js';
import { sourceFromDirs } from '../../runner/warehouse/warehouse-source.js';
import { buildFixtures, ONLINE_RETAIL_CSV_GLOB, type Fixture } from './helpers/build-fixtures.js';
import { runRealPipeline, type PipelineVersions } from './helpers/real-pipeline.js';
import { naturalSnapshot } from './helpers/snapshots.js';
import { startTestPostgres, testLogger, type TestPostgres } from './helpers/test-postgres.js';

/**
 * The warehouse step against a real PostgreSQL (embedded by default) on the full Online Retail data: the real
 * pipeline (bronze → silver → gold) runs first on the days before July 2011, then incrementally on all days;
 * the warehouse loads the published silver/gold versions of those runs (536,641 silver lines in the end).
 */

let db: TestPostgres;
let full: Fixture;
let half: Fixture;
let pipeline: PipelineVersions;
let admin: pg.Pool;

const duck = async (sql: string): Promise<Record<string, unknown>[]> => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

const silver = (fixture: Fixture): string =>
  `read_parquet('${path.join(fixture.silverDir, 'sales_lines.parquet')}')`;

const step = async (
  schema: string,
  fixture: Fixture,
  runId: string,
  extra: { onPhase?: (p: string) => void } = {},
) =>
  runWarehouseStep({
    source: await sourceFromDirs(fixture.silverDir, fixture.goldDir),
    runId,
    spec: WarehouseSpecSchema.parse({ schema }),
    connect: db.connect,
    logger: testLogger,
    ...extra,
  });

const one = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T> => {
  const { rows } = await admin.query<T>(sql, params);
  if (!rows[0]) throw new Error(`no row from ${sql}`);
  return rows[0];
};

let fullSnapshot: Promise<Record<string, string>> | undefined;
/** The snapshot of the single full load (wh_full), computed once. */
const singleFullLoad = (): Promise<Record<string, string>> =>
  (fullSnapshot ??= naturalSnapshot(admin, 'wh_full'));

const expectSucceeded = (result: WarehouseStepResult): void => {
  expect(result.error).toBeUndefined();
  expect(result.status).toBe('Succeeded');
};

beforeAll(async () => {
  db = await startTestPostgres();
  admin = db.pool();
  pipeline = await runRealPipeline('2011-07-01');
  full = pipeline.full;
  half = pipeline.early;
});

afterAll(async () => {
  await db?.stop();
  pipeline?.pipeline.cleanup();
});

describe('migrations', () => {
  it('creates the schema once, records versions and refuses an edited migration', async () => {
    const first = await runMigrations({ pool: admin, schema: 'wh_migrate', logger: testLogger });
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.version));
    const second = await runMigrations({ pool: admin, schema: 'wh_migrate', logger: testLogger });
    expect(second).toEqual({ schema: 'wh_migrate', applied: [], currentVersion: MIGRATIONS.length });
    const { rows } = await admin.query<{ version: number }>(
      'SELECT version FROM wh_migrate.schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    const edited = MIGRATIONS.map((m) => ({ ...m, sql: `${m.sql}\n-- edited` }));
    await expect(
      runMigrations({ pool: admin, schema: 'wh_migrate', logger: testLogger, migrations: edited }),
    ).rejects.toMatchObject({ code: 'WAREHOUSE_MIGRATION' });
  });
});

describe('full load of the real data', () => {
  const schema = 'wh_full';
  let result: WarehouseStepResult;

  beforeAll(async () => {
    result = await step(schema, full, 'run-full-1');
  });

  it('succeeds and loads one fact row per silver line', async () => {
    expectSucceeded(result);
    const [expected] = await duck(`SELECT count(*) AS n FROM ${silver(full)}`);
    const { n } = await one<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.fact_sales`);
    expect(Number(n)).toBe(Number(expected?.n));
    expect(result.load?.silverRows).toBe(Number(expected?.n));
    expect(result.load?.factInserted).toBe(Number(expected?.n));
  });

  it('sums sale line amounts to the gold revenue to the cent', async () => {
    const [gold] = await duck(
      `SELECT CAST(revenue AS VARCHAR) AS revenue FROM '${full.goldDir}/kpis.parquet'`,
    );
    const row = await one<{ facts: string; mart: string }>(
      `SELECT (SELECT sum(line_amount) FROM ${schema}.fact_sales WHERE line_type = 'sale')::text AS facts,
              (SELECT revenue FROM ${schema}.mart_kpis)::text AS mart`,
    );
    expect(row.facts).toBe(String(gold?.revenue));
    expect(row.mart).toBe(String(gold?.revenue));
  });

  it('declares every foreign key and every one resolves', async () => {
    const { rows } = await admin.query<{ table: string; n: string }>(
      `SELECT conrelid::regclass::text AS table, count(*) AS n FROM pg_constraint
       WHERE contype = 'f' AND connamespace = $1::regnamespace GROUP BY 1 ORDER BY 1`,
      [schema],
    );
    expect(rows.map((r) => [r.table, Number(r.n)])).toEqual([
      [`${schema}.dim_invoice`, 1],
      [`${schema}.fact_sales`, 5],
    ]);
    const invalid = await one<{ n: string }>(
      `SELECT count(*) AS n FROM pg_constraint WHERE connamespace = $1::regnamespace AND NOT convalidated`,
      [schema],
    );
    expect(Number(invalid.n)).toBe(0);
    const orphans = await one<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}.fact_sales f
       WHERE NOT EXISTS (SELECT 1 FROM ${schema}.dim_date d WHERE d.date_key = f.date_key)
          OR NOT EXISTS (SELECT 1 FROM ${schema}.dim_customer c WHERE c.customer_key = f.customer_key)
          OR NOT EXISTS (SELECT 1 FROM ${schema}.dim_product p WHERE p.product_key = f.product_key)
          OR NOT EXISTS (SELECT 1 FROM ${schema}.dim_country k WHERE k.country_key = f.country_key)
          OR NOT EXISTS (SELECT 1 FROM ${schema}.dim_invoice i WHERE i.invoice_key = f.invoice_key)`,
    );
    expect(Number(orphans.n)).toBe(0);
  });

  it('points exactly the anonymous lines at the unknown customer', async () => {
    const [anon] = await duck(
      `SELECT count(*) AS n, CAST(sum(line_amount) AS VARCHAR) AS amount FROM ${silver(full)} WHERE customer_id IS NULL`,
    );
    const row = await one<{ n: string; amount: string; members: string }>(
      `SELECT count(*) AS n, sum(f.line_amount)::text AS amount,
              (SELECT count(*) FROM ${schema}.dim_customer WHERE is_unknown) AS members
       FROM ${schema}.fact_sales f JOIN ${schema}.dim_customer c USING (customer_key) WHERE c.is_unknown`,
    );
    expect(Number(anon?.n)).toBeGreaterThan(100_000);
    expect(Number(row.n)).toBe(Number(anon?.n));
    expect(row.amount).toBe(String(anon?.amount));
    expect(Number(row.members)).toBe(1);
  });

  it('keeps a type-2 version per country change, with contiguous validity', async () => {
    const movers = await duck(
      `WITH m AS (SELECT customer_id, invoice_ts, min(country) AS country FROM ${silver(full)}
                  WHERE customer_id IS NOT NULL GROUP BY ALL),
            s AS (SELECT *, country IS DISTINCT FROM lag(country) OVER (PARTITION BY customer_id ORDER BY invoice_ts)
                    AS is_start FROM m)
       SELECT customer_id, string_agg(country, '>' ORDER BY invoice_ts) AS path FROM s WHERE is_start
       GROUP BY customer_id HAVING count(*) > 1 ORDER BY customer_id`,
    );
    expect(movers.length).toBeGreaterThan(0);
    const { rows } = await admin.query<{ customer_id: string; path: string }>(
      `SELECT customer_id, string_agg(country_name, '>' ORDER BY version) AS path FROM ${schema}.dim_customer
       WHERE NOT is_unknown GROUP BY customer_id HAVING count(*) > 1 ORDER BY customer_id`,
    );
    expect(rows).toEqual(movers);
    const broken = await one<{ n: string }>(
      `SELECT count(*) AS n FROM (
         SELECT customer_id, valid_to, is_current,
                lead(valid_from) OVER (PARTITION BY customer_id ORDER BY version) AS next_from
         FROM ${schema}.dim_customer WHERE NOT is_unknown) v
       WHERE valid_to IS DISTINCT FROM coalesce(next_from, 'infinity') OR is_current <> (next_from IS NULL)`,
    );
    expect(Number(broken.n)).toBe(0);
    // Facts point at the version valid at their timestamp.
    const misplaced = await one<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}.fact_sales f JOIN ${schema}.dim_customer c USING (customer_key)
       WHERE NOT c.is_unknown AND NOT (f.invoice_ts >= c.valid_from AND f.invoice_ts < c.valid_to)`,
    );
    expect(Number(misplaced.n)).toBe(0);
  });

  it('mirrors every gold file as a mart with the same columns and rows', async () => {
    for (const mart of [
      'kpis',
      'kpi_daily',
      'kpi_monthly',
      'country_daily',
      'country_monthly',
      'top_products',
      'rfm',
      'cohorts',
    ]) {
      const file = `'${full.goldDir}/${mart}.parquet'`;
      const columns = await duck(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${file})`);
      const { rows } = await admin.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2
         ORDER BY ordinal_position`,
        [schema, `mart_${mart}`],
      );
      expect(rows.map((r) => r.column_name)).toEqual(columns.map((c) => c.column_name));
      const [count] = await duck(`SELECT count(*) AS n FROM ${file}`);
      const pgCount = await one<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.mart_${mart}`);
      expect(Number(pgCount.n)).toBe(Number(count?.n));
    }
    const rates = await duck(
      `SELECT retention_rate FROM '${full.goldDir}/cohorts.parquet' ORDER BY cohort_month, period`,
    );
    const pgRates = await admin.query<{ retention_rate: number }>(
      `SELECT retention_rate FROM ${schema}.mart_cohorts ORDER BY cohort_month, period`,
    );
    expect(pgRates.rows.map((r) => r.retention_rate)).toEqual(rates.map((r) => r.retention_rate));
  });

  it('fills dim_country from the enrichment, keeping the names as in the data', async () => {
    const [names] = await duck(`SELECT count(DISTINCT country) AS n FROM ${silver(full)}`);
    const { rows } = await admin.query<{ country_name: string; iso3: string | null; kind: string | null }>(
      `SELECT country_name, iso3, kind FROM ${schema}.dim_country ORDER BY country_name`,
    );
    expect(rows).toHaveLength(Number(names?.n));
    expect(rows.find((r) => r.country_name === 'EIRE')).toMatchObject({ iso3: 'IRL', kind: 'country' });
    expect(rows.find((r) => r.country_name === 'Unspecified')).toMatchObject({
      iso3: null,
      kind: 'notACountry',
    });
    expect(rows.every((r) => r.kind !== null)).toBe(true);
  });

  it('has a calendar covering every business date, with UK bank holidays', async () => {
    const [dates] = await duck(`SELECT count(DISTINCT business_date) AS n FROM ${silver(full)}`);
    const covered = await one<{ n: string }>(
      `SELECT count(DISTINCT i.business_date) AS n FROM ${schema}.dim_invoice i JOIN ${schema}.dim_date d
         ON d.date = i.business_date`,
    );
    expect(Number(covered.n)).toBe(Number(dates?.n));
    const { rows } = await admin.query<{ date: string }>(
      `SELECT to_char(date, 'YYYY-MM-DD') AS date FROM ${schema}.dim_date WHERE is_uk_bank_holiday ORDER BY 1`,
    );
    expect(rows.map((r) => r.date)).toContain('2011-04-29');
    expect(rows).toHaveLength(17);
  });

  it('re-running the same run changes nothing', async () => {
    const before = await singleFullLoad();
    const xmin = await one<{ x: string }>(
      `SELECT max(xmin::text::bigint)::text AS x FROM ${schema}.fact_sales`,
    );
    const again = await step(schema, full, 'run-full-1');
    expectSucceeded(again);
    expect(again.load).toMatchObject({
      factInserted: 0,
      factUpdated: 0,
      factDeleted: 0,
      dimensionChanges: 0,
    });
    expect(again.load?.marts.every((m) => !m.changed)).toBe(true);
    expect(await naturalSnapshot(admin, schema)).toEqual(before);
    const after = await one<{ x: string }>(
      `SELECT max(xmin::text::bigint)::text AS x FROM ${schema}.fact_sales`,
    );
    expect(after.x).toBe(xmin.x);
  });
});

describe('incremental loads', () => {
  it('an earlier version then the full one equals a single full load', async () => {
    expectSucceeded(await step('wh_incr', half, 'run-half'));
    const halfFacts = await one<{ n: string }>('SELECT count(*) AS n FROM wh_incr.fact_sales');
    expect(Number(halfFacts.n)).toBeGreaterThan(100_000);
    const second = await step('wh_incr', full, 'run-full');
    expectSucceeded(second);
    expect(second.load?.factInserted).toBeGreaterThan(0);
    expect(await naturalSnapshot(admin, 'wh_incr')).toEqual(await singleFullLoad());
  });
});

describe('a connection cut in the middle of a load', () => {
  it('keeps the previous state exactly, reports Failed, and the next run completes', async () => {
    const schema = 'wh_fault';
    expectSucceeded(await step(schema, half, 'run-before'));
    const before = await naturalSnapshot(admin, schema);
    const killer = new pg.Client({ connectionString: db.url, application_name: 'medallion-test-killer' });
    await killer.connect();
    let killed = 0;
    let cut: Promise<void> = Promise.resolve();
    const failed = await step(schema, full, 'run-cut', {
      onPhase: (phase) => {
        if (phase !== 'facts') return;
        // Terminate the loading backend while its COPY streams the silver lines.
        cut = (async () => {
          for (let attempt = 0; attempt < 500 && killed === 0; attempt++) {
            const { rowCount } = await killer.query(
              `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE application_name = 'medallion-warehouse' AND query LIKE 'COPY %FROM STDIN%' AND state = 'active'`,
            );
            killed = rowCount ?? 0;
            if (killed === 0) await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })();
      },
    });
    await cut;
    await killer.end();
    expect(killed).toBe(1);
    expect(failed.status).toBe('Failed');
    expect(failed.error?.code).toBe('WAREHOUSE_LOAD');
    expect(await naturalSnapshot(admin, schema)).toEqual(before);
    const retry = await step(schema, full, 'run-cut');
    expectSucceeded(retry);
    expect(await naturalSnapshot(admin, schema)).toEqual(await singleFullLoad());
  });
});

describe('enrichment columns', () => {
  it('fills amounts, categories and country codes when silver carries them', async () => {
    const dir = path.join(db.dir, 'enriched');
    const fixture = await buildFixtures({
      outDir: dir,
      enriched: true,
      csvGlob: path.join(path.dirname(ONLINE_RETAIL_CSV_GLOB), '2011-01-*.csv'),
    });
    const result = await step('wh_enriched', fixture, 'run-enriched');
    expectSucceeded(result);
    expect(result.load?.enrichmentColumns).toEqual([
      'amount_eur',
      'amount_usd',
      'category',
      'country_iso2',
      'country_iso3',
      'country_region',
      'country_currency',
    ]);
    const [eur] = await duck(
      `SELECT CAST(sum(amount_eur) AS VARCHAR) AS s FROM ${silver(fixture)} WHERE line_type = 'sale'`,
    );
    const row = await one<{ eur: string; uk: string; categorised: string }>(
      `SELECT (SELECT sum(amount_eur)::text FROM wh_enriched.fact_sales WHERE line_type = 'sale') AS eur,
              (SELECT iso3 || '/' || currency FROM wh_enriched.dim_country WHERE country_name = 'United Kingdom') AS uk,
              (SELECT count(*) FROM wh_enriched.dim_product WHERE category IS NOT NULL) AS categorised`,
    );
    expect(row.eur).toBe(String(eur?.s));
    expect(row.uk).toBe('GBR/GBP');
    expect(Number(row.categorised)).toBeGreaterThan(100);
  });
});
