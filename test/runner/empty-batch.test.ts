import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLD_TABLES } from '../../runner/gold/gold-sql.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { createSearchStepRunner } from '../../runner/search/search-step.js';
import { createWarehouseStepRunner } from '../../runner/warehouse/warehouse-step-runner.js';
import { createFixture, HEADER, type Fixture } from '../helpers/pipeline-fixture.js';
import { startTestPostgres, type TestPostgres } from '../warehouse/helpers/test-postgres.js';

/**
 * A batch of files with a header and no data rows is normal on a daily schedule: every step (bronze → silver →
 * gold → warehouse → search on a real embedded PostgreSQL) succeeds with zero rows, and the next batch with rows
 * ends with the same tables as a lake that never saw the empty batch.
 */
const repo = path.resolve(import.meta.dirname, '../..');
const SAMPLE = path.join(repo, 'examples/online-retail/data/2010-12-01.csv');
const STEPS = ['bronze', 'silver', 'gold', 'warehouse', 'search'] as const;
const SILVER_TABLES = ['sales_lines', 'quarantine', 'duplicates', 'countries', 'fx_rates'];

let pg: TestPostgres;
const fixtures: Fixture[] = [];

const fixture = (spec = ''): Fixture => {
  const f = createFixture(spec);
  fixtures.push(f);
  return f;
};

/** All five steps; warehouse and search (PostgreSQL full-text) go to `schema` of the test server. */
const runAll = (f: Fixture, schema: string): Promise<RunSummary> =>
  f.run({
    steps: [...STEPS],
    extraSteps: {
      warehouse: createWarehouseStepRunner({ env: { DATABASE_URL: pg.url }, warehouse: { schema } }),
      search: createSearchStepRunner({ env: {}, warehouse: { schema }, connect: pg.connect }),
    },
  });

/** Relations for f.query: a silver table through the lake's tableFiles, a gold file as a quoted path. */
const silverRel = (f: Fixture, t: string): Promise<string> => f.silverTable(t);
const goldRel = (f: Fixture, t: string): string => `'${f.goldFile(t)}'`;

const count = async (f: Fixture, rel: string): Promise<number> =>
  Number((await f.query(`SELECT count(*) AS n FROM ${rel}`))[0]!.n);

const pgCount = async (table: string): Promise<number> => {
  const pool = pg.pool();
  try {
    return Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  } finally {
    await pool.end();
  }
};

/** Rows in one relation and not the other, both ways, ignoring which run ingested or published a row. */
const differences = async (a: Fixture, fileA: string, fileB: string): Promise<number> => {
  const cols = (await a.query(`DESCRIBE SELECT * FROM ${fileA}`)).map((r) => String(r.column_name));
  const drop = cols.filter((c) => c === 'ingest_run_id' || c === 'silver_version');
  const sel = drop.length ? `* EXCLUDE (${drop.join(', ')})` : '*';
  const [r] = await a.query(`SELECT
    (SELECT count(*) FROM (SELECT ${sel} FROM ${fileA} EXCEPT ALL SELECT ${sel} FROM ${fileB})) +
    (SELECT count(*) FROM (SELECT ${sel} FROM ${fileB} EXCEPT ALL SELECT ${sel} FROM ${fileA})) AS n`);
  return Number(r!.n);
};

const describeFile = async (f: Fixture, file: string): Promise<string> =>
  JSON.stringify(
    (await f.query(`DESCRIBE SELECT * FROM ${file}`)).map((r) => [r.column_name, r.column_type]),
  );

const expectAllSucceeded = (s: RunSummary): void => {
  for (const step of STEPS)
    expect(s.steps[step]?.status, `${step}: ${JSON.stringify(s.steps[step])}`).toBe('Succeeded');
  expect(s.status).toBe('Succeeded');
};

beforeAll(async () => {
  pg = await startTestPostgres();
});

afterAll(async () => {
  for (const f of fixtures) f.cleanup();
  await pg?.stop();
});

describe('a batch of header-only files', () => {
  let empty: Fixture;
  let reference: Fixture;
  let first: RunSummary;

  beforeAll(async () => {
    reference = fixture();
    reference.write('2010-12-01.csv', fs.readFileSync(SAMPLE));
    expectAllSucceeded(await runAll(reference, 'eb_reference'));
    empty = fixture();
    empty.write('2010-11-30.csv', `${HEADER}\n`);
    first = await runAll(empty, 'eb_empty');
  });

  it('succeeds on a first run with zero rows in every step', async () => {
    expectAllSucceeded(first);
    for (const step of STEPS) expect(first.steps[step]!.rowsIn, step).toBe(0);
    expect(first.steps.bronze!.note).toBe('no data rows in 1 new file');
    for (const t of SILVER_TABLES) expect(await count(empty, await silverRel(empty, t)), t).toBe(0);
    // Partitioned tables without rows have no partition files at all (runner/lake/partitions.ts).
    for (const t of ['sales_lines', 'quarantine', 'duplicates'])
      expect(await empty.silverFiles(t), t).toEqual([]);
    expect(first.kpis).toMatchObject({ revenue: 0, orders: 0, customers: 0, units: 0 });
    expect(await pgCount('eb_empty.fact_sales')).toBe(0);
    expect(await pgCount('eb_empty.product_search')).toBe(0);
  });

  it('publishes silver and gold with the same columns and types as a batch with rows', async () => {
    // Whole tables only: the partitioned ones of an empty batch have no files (checked above).
    for (const t of ['countries', 'fx_rates'])
      expect(await describeFile(empty, await silverRel(empty, t)), t).toBe(
        await describeFile(reference, await silverRel(reference, t)),
      );
    for (const t of Object.keys(GOLD_TABLES))
      expect(await describeFile(empty, goldRel(empty, t)), t).toBe(
        await describeFile(reference, goldRel(reference, t)),
      );
  });

  it('then a batch with rows gives the same tables as if the empty batch never happened', async () => {
    empty.write('2010-12-01.csv', fs.readFileSync(SAMPLE));
    expectAllSucceeded(await runAll(empty, 'eb_empty'));
    for (const t of SILVER_TABLES) {
      if (t !== 'quarantine')
        expect(await count(reference, await silverRel(reference, t)), t).toBeGreaterThan(0);
      expect(await differences(empty, await silverRel(empty, t), await silverRel(reference, t)), t).toBe(0);
    }
    for (const t of Object.keys(GOLD_TABLES))
      expect(await differences(empty, goldRel(empty, t), goldRel(reference, t)), t).toBe(0);
    const facts = await count(reference, await silverRel(reference, 'sales_lines'));
    expect(await pgCount('eb_empty.fact_sales')).toBe(facts);
    expect(await pgCount('eb_reference.fact_sales')).toBe(facts);
    expect(await pgCount('eb_empty.product_search')).toBe(await pgCount('eb_reference.product_search'));
  });

  it('and a later header-only batch keeps the published data', async () => {
    empty.write('2010-12-02.csv', `${HEADER}\r\n`);
    const later = await runAll(empty, 'eb_empty');
    expectAllSucceeded(later);
    expect(later.steps.bronze).toMatchObject({ rowsIn: 0 });
    for (const t of [...SILVER_TABLES])
      expect(await differences(empty, await silverRel(empty, t), await silverRel(reference, t)), t).toBe(0);
    for (const t of Object.keys(GOLD_TABLES))
      expect(await differences(empty, goldRel(empty, t), goldRel(reference, t)), t).toBe(0);
    expect(await pgCount('eb_empty.fact_sales')).toBe(await pgCount('eb_reference.fact_sales'));
    expect(await pgCount('eb_empty.product_search')).toBe(await pgCount('eb_reference.product_search'));
  });
});

describe('a batch whose rows are all quarantined', () => {
  const BAD = [
    HEADER,
    '536365,85123A,WHITE HANGING HEART,six,12/1/2010 8:26,2.55,17850,United Kingdom',
    '536366,22633,HAND WARMER,6,not a date,1.85,17850,United Kingdom',
  ].join('\n');

  it('fails only the quality gate by default, naming the check (no engine error)', async () => {
    const f = fixture();
    f.write('bad.csv', BAD);
    const s = await runAll(f, 'eb_bad_default');
    expect(s.steps.silver).toMatchObject({
      status: 'Failed',
      note: expect.stringMatching(/quality check failed: min_score/),
    });
    expect(s.error).toBeUndefined();
  });

  it('runs every step with zero sales when the quality gate only warns', async () => {
    const f = fixture('  quality: { minScoreSeverity: warn }');
    f.write('bad.csv', BAD);
    const s = await runAll(f, 'eb_bad');
    expect(s.status, JSON.stringify(s.steps)).toBe('Degraded');
    for (const step of ['bronze', 'gold', 'warehouse', 'search'])
      expect(s.steps[step]?.status, `${step}: ${JSON.stringify(s.steps[step])}`).toBe('Succeeded');
    expect(await count(f, await silverRel(f, 'sales_lines'))).toBe(0);
    expect(await count(f, await silverRel(f, 'quarantine'))).toBe(2);
    expect(await pgCount('eb_bad.fact_sales')).toBe(0);
    expect(await pgCount('eb_bad.product_search')).toBe(0);
  });
});

describe('medallion run on a header-only batch', () => {
  it('exits 0 and reports zero rows', async () => {
    const f = fixture('  steps: [bronze, silver, gold]');
    f.write('2010-11-30.csv', `${HEADER}\n`);
    const providers = await f.providers();
    const summaryFile = path.join(f.dir, 'summary.json');
    const r = await promisify(execFile)(
      process.execPath,
      [path.join(repo, 'bin/medallion.js'), 'run', '-f', f.specFile, '--summary-json', summaryFile],
      {
        env: {
          PATH: process.env.PATH,
          MEDALLION_LOG_LEVEL: 'silent',
          MEDALLION_FX_URL: providers.fxUrl,
          MEDALLION_COUNTRIES_URL: providers.countriesUrl,
        },
      },
    ).then(
      (x) => ({ code: 0, ...x }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as RunSummary;
    expect(summary.status).toBe('Succeeded');
    expect(summary.kpis).toMatchObject({ revenue: 0, orders: 0 });
  });
});
