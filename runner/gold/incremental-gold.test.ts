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
async function writePartition(key: string, seed: number, round: number): Promise<string> {
  const file = path.join(dir, `${key}-${round}.parquet`);
  const date = key === '__unknown__' ? 'NULL::DATE' : `DATE '${key}'`;
  const onlyCancels = key === '2011-01-05';
  await engine.run(`COPY (
    SELECT 'INV' || ((i * ${seed}) % 23) AS invoice_no, 'P' || ((i * 7 + ${seed}) % 11) AS stock_code,
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
