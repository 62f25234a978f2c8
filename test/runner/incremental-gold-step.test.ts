import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLD_TABLES, orderCountsSql } from '../../runner/gold/gold-sql.js';
import { runGoldStep, type GoldMeta } from '../../runner/gold/gold-step.js';
import { collectLakeGarbage } from '../../runner/lake/lake-gc.js';
import { createLakeStore, type LakeStore, type LayerVersion } from '../../runner/lake/lake-store.js';
import type { SilverPartition } from '../../runner/lake/partitions.js';
import type { GoldDetails, StepResult } from '../../runner/run/step-types.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';

/**
 * The gold step on a lake whose silver is partitioned by business date (the layout of docs/lake-layout.md, here
 * written by the test from a real silver version, as the partitioned silver step will write it): the first run
 * builds every partition's pre-aggregates, later runs recompute only the changed partitions, every version equals
 * today's full SQL, --full-refresh rebuilds everything, and pre-aggregate files no retained version uses are deleted.
 * A silver version without a partition map (the layout before incremental runs) still gets the full rebuild.
 */
const DS = 'online_retail';
let f: Fixture;
let db: DuckDBInstance;
let conn: DuckDBConnection;
let lastGold: StepResult<GoldDetails> | undefined;
let fullRefresh = false;
const q = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const all = async (sql: string): Promise<Record<string, unknown>[]> =>
  (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];

/** The partition contract's tableFiles: the sales_lines files a version's partition map names, on this lake. */
const partitionedTableFiles =
  (lake: LakeStore) =>
  async (layer: 'silver' | 'gold', v: LayerVersion, table: string): Promise<string[]> => {
    const parts = (v.meta as { partitions?: Record<string, SilverPartition> }).partitions;
    if (!parts || layer !== 'silver') return lake.tableFiles(layer, v, table);
    return Object.values(parts).flatMap((p) => {
      const file = p.tables[table as 'sales_lines'];
      return file ? [lake.storage.localPath(file.key)!] : [];
    });
  };

const runGold = async (): Promise<StepResult<GoldDetails>> => {
  lastGold = undefined;
  await f.run({
    steps: ['gold'],
    extraSteps: {
      gold: async (ctx) => {
        const lake = { ...ctx.lake, tableFiles: partitionedTableFiles(ctx.lake) };
        lastGold = await runGoldStep({ ...ctx, lake, fullRefresh });
        return lastGold;
      },
    },
  });
  // Assigned inside the step runner above; TypeScript cannot see that.
  const got = lastGold as StepResult<GoldDetails> | undefined;
  expect(got?.status).toBe('Succeeded');
  return got!;
};

const silverRoot = (): string => path.join(f.lakeDir, 'silver', DS);
const goldRoot = (): string => path.join(f.lakeDir, 'gold', DS);
const currentOf = (root: string): string =>
  (JSON.parse(fs.readFileSync(path.join(root, 'CURRENT'), 'utf8')) as { version: string }).version;

/** Publishes a silver version whose sales_lines are the given per-date files (key → local file to copy). */
let silverSeq = 0;
let baseMeta: Record<string, unknown>;
let partitions: Record<string, SilverPartition> = {};
function publishSilver(changes: Record<string, string | null>): string {
  const v = `29990101T0000${String(++silverSeq).padStart(2, '0')}Z-test`;
  partitions = { ...partitions };
  for (const [k, file] of Object.entries(changes)) {
    if (file === null) {
      delete partitions[k];
      continue;
    }
    const key = `silver/${DS}/parts/sales_lines/business_date=${k}/${v}.parquet`;
    fs.mkdirSync(path.dirname(path.join(f.lakeDir, key)), { recursive: true });
    fs.copyFileSync(file, path.join(f.lakeDir, key));
    partitions[k] = { builtBy: v, tables: { sales_lines: { key, rows: 1 } } };
  }
  const dir = path.join(silverRoot(), 'versions', v);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '_meta.json'), JSON.stringify({ ...baseMeta, runId: v, partitions }));
  fs.writeFileSync(path.join(silverRoot(), 'CURRENT'), JSON.stringify({ version: v, history: [v] }));
  return v;
}

/** Every gold table of the current gold version equals gold-sql.ts over the current partitions' lines. */
async function expectGoldEqualsFull(): Promise<void> {
  const files = Object.values(partitions).map((p) => q(path.join(f.lakeDir, p.tables.sales_lines!.key)));
  await conn.run(`CREATE OR REPLACE TEMP VIEW lines AS FROM read_parquet([${files.join(', ')}])`);
  for (const sql of orderCountsSql(1)) await conn.run(sql);
  const gold = path.join(goldRoot(), 'versions', currentOf(goldRoot()));
  for (const [t, sql] of Object.entries(GOLD_TABLES)) {
    const g = q(path.join(gold, `${t}.parquet`));
    const [r] = await all(`SELECT
      (SELECT count(*) FROM (FROM read_parquet(${g}) EXCEPT ALL (${sql}))) +
      (SELECT count(*) FROM ((${sql}) EXCEPT ALL FROM read_parquet(${g}))) AS diff,
      (SELECT count(*) FROM read_parquet(${g})) AS n`);
    expect({ t, diff: Number(r!.diff) }).toEqual({ t, diff: 0 });
    expect(Number(r!.n)).toBeGreaterThan(0);
  }
}

const partFiles = (): string[] =>
  fs.existsSync(path.join(goldRoot(), 'parts'))
    ? (fs.readdirSync(path.join(goldRoot(), 'parts'), { recursive: true }) as string[]).filter((x) =>
        x.endsWith('.parquet'),
      )
    : [];

describe('the gold step on date-partitioned silver', () => {
  const day = (d: string): string => path.join(f.dir, 'days', `${d}.parquet`);
  let dates: string[] = [];
  let firstRun = '';

  beforeAll(async () => {
    f = createFixture();
    fs.writeFileSync(
      f.specFile,
      fs
        .readFileSync(f.specFile, 'utf8')
        .replace('lake: { uri: ./lake }', 'lake: { uri: ./lake, retainVersions: 2 }'),
    );
    const src = fullDataDir();
    for (const name of fs
      .readdirSync(src)
      .filter((x) => x.endsWith('.csv'))
      .sort()
      .slice(0, 40)) {
      f.write(name, fs.readFileSync(path.join(src, name)));
    }
    await f.run({ steps: ['bronze', 'silver'] });
    baseMeta = JSON.parse(
      fs.readFileSync(path.join(silverRoot(), 'versions', currentOf(silverRoot()), '_meta.json'), 'utf8'),
    ) as Record<string, unknown>;
    db = await DuckDBInstance.create(':memory:');
    conn = await db.connect();
    fs.mkdirSync(path.join(f.dir, 'days'));
    const lines = q(path.join(await f.wholeSilverDir(), 'sales_lines.parquet'));
    dates = (
      await all(`SELECT DISTINCT strftime(business_date, '%Y-%m-%d') AS d FROM ${lines} ORDER BY d`)
    ).map((r) => String(r.d));
    for (const d of dates) {
      await conn.run(
        `COPY (FROM ${lines} WHERE business_date = DATE ${q(d)}) TO ${q(day(d))} (FORMAT parquet)`,
      );
    }
    // A silver version in the layout of old (one whole sales_lines file, no partition map), as lakes written before
    // partitioning hold: gold's first run reads it.
    const v0 = '29990101T000000Z-whole';
    const dir0 = path.join(silverRoot(), 'versions', v0);
    fs.mkdirSync(dir0, { recursive: true });
    fs.copyFileSync(lines.slice(1, -1).replaceAll("''", "'"), path.join(dir0, 'sales_lines.parquet'));
    const unpartitioned: Record<string, unknown> = { ...baseMeta, runId: v0 };
    delete unpartitioned.partitions;
    fs.writeFileSync(path.join(dir0, '_meta.json'), JSON.stringify(unpartitioned));
    fs.writeFileSync(path.join(silverRoot(), 'CURRENT'), JSON.stringify({ version: v0, history: [v0] }));
  }, 600_000);

  afterAll(() => {
    conn?.closeSync();
    db?.closeSync();
    f?.cleanup();
  });

  it('the unpartitioned silver gets the full rebuild (fallback)', async () => {
    // Gold's first run reads the unpartitioned silver version published in beforeAll.
    await runGold();
    const meta = JSON.parse(
      fs.readFileSync(path.join(goldRoot(), 'versions', currentOf(goldRoot()), '_meta.json'), 'utf8'),
    ) as GoldMeta;
    expect(meta.parts).toBeUndefined();
    expect(partFiles()).toEqual([]);
    partitions = Object.fromEntries(
      dates.map((d) => [
        d,
        { builtBy: 'x', tables: { sales_lines: { key: path.relative(f.lakeDir, day(d)), rows: 1 } } },
      ]),
    );
    await expectGoldEqualsFull();
    partitions = {};
  });

  it('first partitioned run is full, later runs touch only changed partitions, all equal to the full SQL', async () => {
    const half = Math.floor(dates.length / 2);
    publishSilver(Object.fromEntries(dates.slice(0, half).map((d) => [d, day(d)])));
    let r = await runGold();
    expect(r.details.partitions).toEqual({ full: true, keys: dates.slice(0, half) });
    firstRun = r.details.version!;
    await expectGoldEqualsFull();
    // All in one (the newest) month: one file per day and pre-aggregate.
    const afterFirst = partFiles().length;
    expect(afterFirst).toBeGreaterThanOrEqual(half * 4);

    // The rest arrive, and the first date is replaced by half its lines.
    const cut = path.join(f.dir, 'days', 'cut.parquet');
    await conn.run(
      `COPY (FROM read_parquet(${q(day(dates[0]!))}) WHERE source_line % 2 = 0) TO ${q(cut)} (FORMAT parquet)`,
    );
    publishSilver({ ...Object.fromEntries(dates.slice(half).map((d) => [d, day(d)])), [dates[0]!]: cut });
    r = await runGold();
    expect(r.details.partitions).toEqual({ full: false, keys: [dates[0]!, ...dates.slice(half)] });
    const secondRun = r.details.version!;
    await expectGoldEqualsFull();

    // A date leaves silver; nothing else changes.
    publishSilver({ [dates[1]!]: null });
    r = await runGold();
    expect(r.details.partitions).toEqual({ full: false, keys: [dates[1]!] });
    await expectGoldEqualsFull();
    // retainVersions 2: the first partitioned version fell out. The files only it used are gone (its days' parts:
    // the second run compacted that month, ADR 0025); the current version still shares files the second run wrote
    // (the days and months the removal did not touch), and those stay.
    const files = partFiles();
    expect(files.filter((x) => x.includes(firstRun))).toEqual([]);
    const current = JSON.parse(
      fs.readFileSync(path.join(goldRoot(), 'versions', currentOf(goldRoot()), '_meta.json'), 'utf8'),
    ) as GoldMeta;
    const shared = Object.values(current.parts ?? {})
      .flatMap((p) => Object.values(p.files).map((x) => x.key))
      .filter((k) => k.includes(secondRun));
    expect(shared).not.toEqual([]);
    for (const k of shared) expect(fs.existsSync(path.join(f.lakeDir, k))).toBe(true);
  }, 600_000);

  it('--full-refresh recomputes every partition and gives the same tables', async () => {
    const before = path.join(goldRoot(), 'versions', currentOf(goldRoot()));
    publishSilver({});
    fullRefresh = true;
    try {
      const r = await runGold();
      expect(r.details.partitions?.full).toBe(true);
      expect(r.details.partitions?.keys).toEqual(Object.keys(partitions).sort());
    } finally {
      fullRefresh = false;
    }
    await expectGoldEqualsFull();
    // Two retained versions: the versions before the last two are gone, and so are the parts only they used.
    const meta = (v: string): GoldMeta =>
      JSON.parse(fs.readFileSync(path.join(goldRoot(), 'versions', v, '_meta.json'), 'utf8')) as GoldMeta;
    const retained = fs.readdirSync(path.join(goldRoot(), 'versions'));
    expect(retained).toHaveLength(2);
    const used = new Set(
      retained.flatMap((v) =>
        Object.values(meta(v).parts ?? {}).flatMap((p) => Object.values(p.files).map((x) => x.key)),
      ),
    );
    const onDisk = partFiles().map((x) => `gold/${DS}/parts/${x}`);
    expect(new Set(onDisk)).toEqual(used);
    expect(fs.existsSync(before)).toBe(true);
    // The compacted ranges (December 2010 as a month, 2010 as a closed year) are among the files kept.
    expect(onDisk.some((k) => k.includes('/business_month=2010-12/'))).toBe(true);
    expect(onDisk.some((k) => k.includes('/business_year=2010/'))).toBe(true);

    // `lake gc` spares every file a kept version references, compacted or not, and finds a stray one.
    const stray = path.join(goldRoot(), 'parts', 'products', 'business_month=1999-01', 'killed-run.parquet');
    fs.mkdirSync(path.dirname(stray), { recursive: true });
    fs.writeFileSync(stray, 'x');
    const lake = createLakeStore({ root: f.lakeDir, dataset: DS });
    const gc = await collectLakeGarbage(lake, { dryRun: false, graceMs: 0, retain: 2 });
    expect(
      gc.orphans
        .filter((o) => o.kind === 'partition-file' && o.location.startsWith('gold/'))
        .map((o) => o.location),
    ).toEqual([`gold/${DS}/parts/products/business_month=1999-01/killed-run.parquet`]);
    expect(new Set(partFiles().map((x) => `gold/${DS}/parts/${x}`))).toEqual(used);
    await expectGoldEqualsFull();
  }, 600_000);
});
