import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlEngine, type SqlEngine } from '../../runner/engine/sql-engine.js';
import { quoteLiteral } from '../../runner/engine/sql-quote.js';
import { GOLD_TABLES, orderCountsSql, type GoldTable } from '../../runner/gold/gold-sql.js';
import {
  buildIncrementalGold,
  type GoldPartition,
  type LinesPartition,
} from '../../runner/gold/incremental-gold.js';
import { changedPartitions, type SilverPartition } from '../../runner/lake/partitions.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';

/**
 * Incremental gold equals full gold, row by row, for every table: the real silver (305 files) is split into one
 * sales_lines file per business date, fed to the incremental core in batches of random dates in random order,
 * then changed like a daily schedule changes it (old dates re-computed, cancellations of old invoices, an invoice
 * spanning two dates, a partition removed). After every batch each gold table is compared with today's full SQL
 * (gold-sql.ts) over the same lines.
 */
const TABLES = Object.keys(GOLD_TABLES) as GoldTable[];
const q = quoteLiteral;

let f: Fixture;
let engine: SqlEngine;
let work: string;
let silverLines: string;

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Full gold by gold-sql.ts over the given line files, into dir. */
async function fullGold(files: string[], dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const src =
    files.length === 0
      ? `(SELECT * FROM read_parquet(${q(silverLines)}) LIMIT 0)`
      : `read_parquet([${files.map(q).join(', ')}], union_by_name = true)`;
  await engine.run(`CREATE OR REPLACE TEMP VIEW lines AS SELECT * FROM ${src}`);
  for (const sql of orderCountsSql(1)) await engine.run(sql);
  for (const t of TABLES) {
    await engine.run(`COPY (${GOLD_TABLES[t]}) TO ${q(path.join(dir, `${t}.parquet`))} (FORMAT parquet)`);
  }
  await engine.run('DROP VIEW lines');
}

/** Rows in one table and not the other (both ways, with multiplicity), and whether the column types match. */
async function compare(a: string, b: string): Promise<{ diff: number; rows: number; sameSchema: boolean }> {
  const [r] = await engine.all(`SELECT
    (SELECT count(*) FROM (FROM read_parquet(${q(a)}) EXCEPT ALL FROM read_parquet(${q(b)}))) +
    (SELECT count(*) FROM (FROM read_parquet(${q(b)}) EXCEPT ALL FROM read_parquet(${q(a)}))) AS diff,
    (SELECT count(*) FROM read_parquet(${q(a)})) AS rows`);
  const schema = async (x: string): Promise<string> =>
    JSON.stringify(
      (await engine.all(`DESCRIBE FROM read_parquet(${q(x)})`)).map((c) => [c.column_name, c.column_type]),
    );
  return {
    diff: Number(r!.diff),
    rows: Number(r!.rows),
    sameSchema: (await schema(a)) === (await schema(b)),
  };
}

/** The silver state the batches build: partition key → its one sales_lines file. */
class Lake {
  files = new Map<string, string>();
  silverMap(): Record<string, SilverPartition> {
    return Object.fromEntries(
      [...this.files].map(([k, file]) => [
        k,
        { builtBy: path.basename(file), tables: { sales_lines: { key: file, rows: 0 } } },
      ]),
    );
  }
  partitions(): LinesPartition[] {
    return [...this.files].map(([key, file]) => ({ key, salesLinesFiles: [file] }));
  }
}

describe('incremental gold equals full gold on the real data', () => {
  const dates: string[] = [];
  let splitDir: string;

  beforeAll(async () => {
    f = createFixture();
    const src = fullDataDir();
    for (const name of fs.readdirSync(src).filter((x) => x.endsWith('.csv'))) {
      f.write(name, fs.readFileSync(path.join(src, name)));
    }
    await f.run({ steps: ['bronze', 'silver', 'gold'] });
    silverLines = path.join(await f.wholeSilverDir(), 'sales_lines.parquet');
    engine = await createSqlEngine({
      memoryLimit: '1GB',
      tempDir: path.join(f.dir, 'tmp'),
      logger: pino({ level: 'silent' }),
    });
    work = path.join(f.dir, 'work');
    splitDir = path.join(work, 'split');
    fs.mkdirSync(work, { recursive: true });
    // One file per business date, like the partitioned silver.
    await engine.run(
      `COPY (SELECT *, strftime(business_date, '%Y-%m-%d') AS day FROM read_parquet(${q(silverLines)}))
       TO ${q(splitDir)} (FORMAT parquet, PARTITION_BY (day), FILENAME_PATTERN 'lines')`,
    );
    fs.mkdirSync(path.join(work, 'days'));
    for (const d of fs.readdirSync(splitDir).sort()) {
      dates.push(d.replace(/^day=/, ''));
      await engine.run(
        `COPY (FROM read_parquet(${q(path.join(splitDir, d, '*.parquet'))})) TO ${q(splitFile(dates.at(-1)!))} (FORMAT parquet)`,
      );
    }
  }, 600_000);

  afterAll(() => {
    engine?.close();
    f?.cleanup();
  });

  /** One file per date (the split may write a date in several files; they are merged into one). */
  const splitFile = (d: string): string => path.join(work, 'days', `${d}.parquet`);

  it('the reference full SQL over the split partitions equals the gold step output', async () => {
    expect(dates.length).toBeGreaterThan(300);
    const dir = path.join(work, 'reference-all');
    const [n] = await engine.all(`SELECT
      (SELECT count(*) FROM read_parquet([${dates.map((d) => q(splitFile(d))).join(', ')}])) AS split,
      (SELECT count(*) FROM read_parquet(${q(silverLines)})) AS whole`);
    expect(n!.split).toBe(n!.whole);
    await fullGold(
      dates.map((d) => splitFile(d)),
      dir,
    );
    for (const t of TABLES) {
      const c = await compare(path.join(dir, `${t}.parquet`), f.goldFile(t));
      expect({ t, ...c }).toEqual({ t, diff: 0, rows: c.rows, sameSchema: true });
      expect(c.rows).toBeGreaterThan(0);
    }
  }, 300_000);

  it('batches in random date order, old dates changed, cancellations, a spanning invoice and a removal', async () => {
    const rnd = random(14);
    const order = [...dates].sort(() => rnd() - 0.5);
    const lake = new Lake();
    let prevParts: Record<string, GoldPartition> | undefined;
    let prevSilver: Record<string, SilverPartition> | undefined;
    let batch = 0;
    const custom = (name: string): string => path.join(work, 'custom', `${name}.parquet`);
    fs.mkdirSync(path.join(work, 'custom'), { recursive: true });

    const step = async (label: string): Promise<void> => {
      batch++;
      const silver = lake.silverMap();
      const changed = changedPartitions(prevSilver, silver);
      const out = path.join(work, `inc-${batch}`);
      fs.mkdirSync(out, { recursive: true });
      const result = await buildIncrementalGold({
        engine,
        runId: `run-${batch}`,
        partitions: lake.partitions(),
        changed,
        previous: prevParts,
        resolve: async (keys) => keys,
        partKey: (p, k) => path.join(work, 'parts', p, `business_date=${k}`, `run-${batch}.parquet`),
        partsDir: path.join(work, `staged-${batch}`),
        outDir: out,
      });
      // "Storing" the parts: move them where partKey said.
      for (const s of result.staged) {
        fs.mkdirSync(path.dirname(s.key), { recursive: true });
        fs.renameSync(s.file, s.key);
      }
      if (batch > 1) expect(result.touched.full).toBe(false);
      expect(result.touched.keys).toEqual(changed.keys);
      const ref = path.join(work, `ref-${batch}`);
      await fullGold([...lake.files.values()], ref);
      for (const t of TABLES) {
        const c = await compare(path.join(out, `${t}.parquet`), path.join(ref, `${t}.parquet`));
        expect({ label, t, diff: c.diff, sameSchema: c.sameSchema }).toEqual({
          label,
          t,
          diff: 0,
          sameSchema: true,
        });
      }
      prevParts = result.parts;
      prevSilver = silver;
      lastSpanning = result.spanningInvoices;
    };
    let lastSpanning = 0;

    // Batches 1–4: random sizes, random order of dates (later batches hold dates before earlier ones).
    let i = 0;
    for (const size of [40, 7, 120, 1]) {
      for (const d of order.slice(i, i + size)) lake.files.set(d, splitFile(d));
      i += size;
      await step(`add ${size} dates`);
    }

    // Batch 5: old dates change. One loses a third of its lines; another gains cancellations of invoices of a
    // third date (a daily file cancelling old orders), so cancelled_invoices and cancellation_value move.
    const [d1, d2, d3] = order.slice(0, 3) as [string, string, string];
    await engine.run(
      `COPY (FROM read_parquet(${q(splitFile(d1))}) WHERE hash(source_line) % 3 <> 0) TO ${q(custom('fewer'))} (FORMAT parquet)`,
    );
    await engine.run(
      `COPY (FROM read_parquet(${q(splitFile(d2))}) UNION ALL BY NAME
             SELECT * REPLACE ('C' || invoice_no AS invoice_no, -quantity AS quantity, 'cancellation' AS line_type,
                               CAST(${q(d2)} AS DATE) AS business_date)
             FROM read_parquet(${q(splitFile(d3))}) WHERE line_type = 'sale' AND hash(invoice_no) % 4 = 0)
       TO ${q(custom('cancels'))} (FORMAT parquet)`,
    );
    lake.files.set(d1, custom('fewer'));
    lake.files.set(d2, custom('cancels'));
    await step('old dates changed, cancellations of old invoices');

    // Batch 6: invoices spanning two dates. Lines of two invoices of d3 reappear on a new date (same products,
    // so per-partition order counts would count them twice) plus a product they did not have; customers'
    // last purchase date, frequency and cohorts move with them.
    const newDate = order[i] as string;
    i++;
    await engine.run(
      `COPY (FROM read_parquet(${q(splitFile(newDate))}) UNION ALL BY NAME
             SELECT * REPLACE (CAST(${q(newDate)} AS DATE) AS business_date)
             FROM read_parquet(${q(splitFile(d3))})
             WHERE line_type = 'sale' AND invoice_no IN (
               SELECT invoice_no FROM read_parquet(${q(splitFile(d3))}) WHERE line_type = 'sale' AND customer_id IS NOT NULL
               GROUP BY invoice_no ORDER BY count(*) DESC, invoice_no LIMIT 2)
             UNION ALL BY NAME
             SELECT * REPLACE ('SPAN-NEW' AS stock_code, CAST(${q(newDate)} AS DATE) AS business_date) FROM (FROM read_parquet(${q(splitFile(d3))}) WHERE line_type = 'sale'
               ORDER BY invoice_no, source_line LIMIT 1))
       TO ${q(custom('spanning'))} (FORMAT parquet)`,
    );
    lake.files.set(newDate, custom('spanning'));
    await step('an invoice spanning two dates');
    expect(lastSpanning).toBeGreaterThanOrEqual(2);

    // Batch 7: a date disappears (its file re-ingested empty) while others arrive.
    lake.files.delete(order[5]!);
    for (const d of order.slice(i, i + 30)) lake.files.set(d, splitFile(d));
    i += 30;
    await step('a partition removed, 30 added');

    // Batch 8: the rest.
    for (const d of order.slice(i)) lake.files.set(d, splitFile(d));
    await step('the rest');
    expect(lake.files.size).toBe(dates.length - 1);
  }, 900_000);
});
