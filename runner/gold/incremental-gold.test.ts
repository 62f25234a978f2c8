import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlEngine, type SqlEngine } from '../engine/sql-engine.js';
import { GOLD_TABLES, orderCountsSql, type GoldTable } from './gold-sql.js';
import { buildIncrementalGold, type GoldPartition } from './incremental-gold.js';

/**
 * Generated lines with the awkward cases the real data lacks: most invoices span two or three dates (with the same
 * products on several dates), null customers, categories and descriptions, days without EUR amounts (enrichment
 * off), a partition of lines without a date, and a partition with only cancellations. Partitions are replaced in
 * several rounds; every round, each incremental table must equal the full SQL.
 */
const TABLES = Object.keys(GOLD_TABLES) as GoldTable[];
let engine: SqlEngine;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incremental-gold-'));
  engine = await createSqlEngine({ memoryLimit: '512MB', tempDir: dir, logger: pino({ level: 'silent' }) });
});
afterAll(() => {
  engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes partition `key` generated with `seed`: lines of invoices that also appear on neighbouring days. */
async function writePartition(
  key: string,
  seed: number,
  round: number,
  invoice = `'INV' || ((i * ${seed}) % 23)`,
): Promise<string> {
  const file = path.join(dir, `${key}-${round}.parquet`);
  const date = key === '__unknown__' ? 'NULL::DATE' : `DATE '${key}'`;
  const onlyCancels = key === '2011-01-05';
  await engine.run(`COPY (
    SELECT ${invoice} AS invoice_no, 'P' || ((i * 7 + ${seed}) % 11) AS stock_code,
           CASE WHEN i % 9 = 0 THEN NULL ELSE 'desc ' || ((i + ${seed}) % 4) END AS description,
           CAST(1 + (i % 5) AS BIGINT) * CASE WHEN ${onlyCancels} OR i % 13 = 0 THEN -1 ELSE 1 END AS quantity,
           CAST(0.5 + (i % 7) * 1.25 AS DECIMAL(18,6)) AS unit_price, ${date} AS business_date,
           CASE WHEN i % 6 = 0 THEN NULL ELSE 'C' || ((i + ${seed}) % 17) END AS customer_id,
           CASE WHEN i % 3 = 0 THEN 'France' ELSE 'United Kingdom' END AS country,
           CASE WHEN ${onlyCancels} OR i % 13 = 0 THEN 'cancellation' WHEN i % 17 = 0 THEN 'adjustment' ELSE 'sale' END AS line_type,
           CASE WHEN ${seed} % 4 = 0 THEN NULL ELSE CAST((i % 7) * 1.1 AS DECIMAL(38,2)) END AS amount_eur,
           CASE WHEN ${seed} % 4 = 0 THEN NULL ELSE CAST((i % 7) * 1.3 AS DECIMAL(38,2)) END AS amount_usd,
           -- Silver looks the category up by description: a function of it (null for some).
           CASE WHEN (i + ${seed}) % 4 = 3 THEN NULL ELSE 'cat ' || ((i + ${seed}) % 4 % 2) END AS category
    FROM range(${40 + (seed % 50)}) t(i)) TO '${file}' (FORMAT parquet)`);
  return file;
}

async function fullGold(files: string[], out: string): Promise<void> {
  fs.mkdirSync(out, { recursive: true });
  await engine.run(
    `CREATE OR REPLACE TEMP VIEW lines AS FROM read_parquet([${files.map((f) => `'${f}'`).join(', ')}])`,
  );
  for (const sql of orderCountsSql(2)) await engine.run(sql);
  for (const t of TABLES)
    await engine.run(`COPY (${GOLD_TABLES[t]}) TO '${out}/${t}.parquet' (FORMAT parquet)`);
  await engine.run('DROP VIEW lines');
}

describe('buildIncrementalGold on generated lines', () => {
  it('equals the full SQL after every round of replaced, added and removed partitions', async () => {
    const keys = [
      '2010-12-30',
      '2010-12-31',
      '2011-01-01',
      '2011-01-04',
      '2011-01-05',
      '2011-02-01',
      '__unknown__',
    ];
    const files = new Map<string, string>();
    let previous: Record<string, GoldPartition> | undefined;
    const rounds: [string, number][][] = [
      keys.slice(0, 4).map((k, i) => [k, i + 3]),
      [
        ['2011-01-05', 8],
        ['__unknown__', 12],
        ['2010-12-31', 16],
      ],
      [
        ['2011-02-01', 21],
        ['2011-01-01', 5],
      ],
      [['2010-12-30', -1]],
    ];
    for (const [round, changes] of rounds.entries()) {
      for (const [k, seed] of changes) {
        if (seed < 0) files.delete(k);
        else files.set(k, await writePartition(k, seed, round));
      }
      const out = path.join(dir, `inc-${round}`);
      fs.mkdirSync(out, { recursive: true });
      const r = await buildIncrementalGold({
        engine,
        runId: `r${round}`,
        partitions: [...files].map(([key, f]) => ({ key, salesLinesFiles: [f] })),
        changed: { full: round === 0, keys: changes.map(([k]) => k).sort() },
        previous,
        resolve: async (k) => k,
        partKey: (p, k) => path.join(dir, 'parts', p, k, `r${round}.parquet`),
        partsDir: path.join(dir, `staged-${round}`),
        outDir: out,
      });
      for (const s of r.staged) {
        fs.mkdirSync(path.dirname(s.key), { recursive: true });
        fs.renameSync(s.file, s.key);
      }
      expect(r.spanningInvoices).toBeGreaterThan(0);
      previous = r.parts;
      const ref = path.join(dir, `ref-${round}`);
      await fullGold([...files.values()], ref);
      for (const t of TABLES) {
        const [d] = await engine.all(`SELECT
          (SELECT count(*) FROM (FROM '${out}/${t}.parquet' EXCEPT ALL FROM '${ref}/${t}.parquet')) +
          (SELECT count(*) FROM (FROM '${ref}/${t}.parquet' EXCEPT ALL FROM '${out}/${t}.parquet')) AS diff,
          (SELECT count(*) FROM '${ref}/${t}.parquet') AS n`);
        const schema = async (x: string): Promise<string> =>
          JSON.stringify((await engine.all(`DESCRIBE FROM '${x}'`)).map((c) => c.column_type));
        expect({ round, t, diff: Number(d!.diff) }).toEqual({ round, t, diff: 0 });
        expect(Number(d!.n)).toBeGreaterThan(0);
        expect(await schema(`${out}/${t}.parquet`)).toBe(await schema(`${ref}/${t}.parquet`));
      }
    }
  }, 120_000);
});

describe('buildIncrementalGold: compacted ranges (ADR 0025)', () => {
  /** Business days over three years: two per month, so months and closed years are compacted. */
  const days: string[] = [];
  for (const y of [2009, 2010, 2011])
    for (let m = 1; m <= 12; m++)
      for (const d of [3, 27]) days.push(`${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

  /** Invoices of one day, except two that span months: 2010-05-27 → 2010-06-03 and 2011-11-27 → 2011-12-03. */
  const span: Record<string, string> = {
    '2010-05-27': 'SPAN-A',
    '2010-06-03': 'SPAN-A',
    '2011-11-27': 'SPAN-B',
    '2011-12-03': 'SPAN-B',
  };
  const writeDay = (key: string, seed: number, round: number): Promise<string> =>
    writePartition(
      key,
      seed,
      round,
      `CASE WHEN i % 10 = 1 AND ${span[key] ? `'${span[key]}'` : 'NULL'} IS NOT NULL THEN '${span[key] ?? ''}' ELSE 'I${key}-' || (i % 5) END`,
    );

  it('recomputes only the changed ranges and stays equal to the full SQL', async () => {
    const files = new Map<string, string>();
    for (const [i, d] of days.entries()) files.set(d, await writeDay(d, 3 + i, 100));
    let previous: Record<string, GoldPartition> | undefined;
    let round = 100;
    const stored = new Map<string, string>();
    const build = async (full: boolean, changed: string[]) => {
      round++;
      const out = path.join(dir, `cmp-${round}`);
      fs.mkdirSync(out, { recursive: true });
      const r = await buildIncrementalGold({
        engine,
        runId: `c${round}`,
        partitions: [...files].map(([key, f]) => ({ key, salesLinesFiles: [f] })),
        changed: { full, keys: changed },
        previous,
        resolve: async (k) => k.map((x) => stored.get(x) ?? x),
        partKey: (p, k) => `gold/parts/${p}/${k}/c${round}.parquet`,
        partsDir: path.join(dir, `cmp-staged-${round}`),
        outDir: out,
      });
      for (const s of r.staged) stored.set(s.key, s.file);
      previous = r.parts;
      const ref = path.join(dir, `cmp-ref-${round}`);
      await fullGold([...files.values()], ref);
      for (const t of TABLES) {
        const [d] = await engine.all(`SELECT
          (SELECT count(*) FROM (FROM '${out}/${t}.parquet' EXCEPT ALL FROM '${ref}/${t}.parquet')) +
          (SELECT count(*) FROM (FROM '${ref}/${t}.parquet' EXCEPT ALL FROM '${out}/${t}.parquet')) AS diff`);
        expect({ round, t, diff: Number(d!.diff) }).toEqual({ round, t, diff: 0 });
      }
      return r;
    };

    // Full: 2009 and 2010 are closed years, 2011's months are units, December 2011's days are units.
    let r = await build(true, []);
    expect(Object.keys(r.parts).filter((k) => k.length === 4)).toEqual(['2009', '2010']);
    expect(r.parts['2011-12-27']).toBeDefined();
    expect(r.parts['2011-11']).toBeDefined();

    // A re-ingested day inside a compacted month of a closed year: its month from lines, its year from months.
    files.set('2010-06-27', await writeDay('2010-06-27', 77, 101));
    r = await build(false, ['2010-06-27']);
    expect(r.stats.recomputed).toEqual(['2010', '2010-06']);
    // Lines read: June 2010 (2 days) to recompute it, then the units holding the two spanning invoices (May and
    // June 2010, November 2011, 2011-12-03) to correct their orders.
    expect(r.spanningInvoices).toBe(2);
    expect(r.stats.silverFilesRead).toBe(2 + 2 + 2 + 2 + 1);
    expect(r.touched).toEqual({ full: false, keys: ['2010-06-27'] });

    // A new day of the newest month: that day only; the tables read one file per range and pre-aggregate at most.
    files.set('2011-12-29', await writeDay('2011-12-29', 91, 102));
    r = await build(false, ['2011-12-29']);
    expect(r.stats.recomputed).toEqual(['2011-12-29']);
    expect(r.stats.preaggFilesRead).toBeLessThanOrEqual(5 * (2 + 11 + 2));

    // A day of a new year closes 2011: its months are combined into the year's file, from the stored month files.
    files.set('2012-01-02', await writeDay('2012-01-02', 5, 103));
    r = await build(false, ['2012-01-02']);
    expect(r.stats.recomputed).toEqual(['2011', '2011-12', '2012-01-02']);
    // Eleven stored month files of 2011 per pre-aggregate feed its year; December's lines are read once.
    expect(r.spanningInvoices).toBe(2);

    // The newest day is removed again (a re-ingested empty file): 2011 reopens, its months are read directly.
    files.delete('2012-01-02');
    r = await build(false, ['2012-01-02']);
    expect(Object.keys(r.parts).filter((k) => k.length === 4)).toEqual(['2009', '2010']);
    expect(r.stats.recomputed).toEqual(['2011-12-03', '2011-12-27', '2011-12-29']);
  }, 300_000);
});
