import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';

/**
 * The full real data (541,909 rows), checked against a second computation written here from the rules in the
 * issue text, independent of the production SQL: a plain RFC 4180 split, BigInt money in millionths.
 */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted && ch === '"' && line[i + 1] === '"') {
      cur += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

const micros = (price: string): bigint => {
  const neg = price.startsWith('-');
  const [i = '0', fr = ''] = price.replace(/^[-+]/, '').split('.');
  const v = BigInt(i || '0') * 1_000_000n + BigInt((fr + '000000').slice(0, 6));
  return neg ? -v : v;
};
const fmt = (m: bigint): string => {
  const neg = m < 0n;
  const a = neg ? -m : m;
  return `${neg ? '-' : ''}${a / 1_000_000n}.${(a % 1_000_000n).toString().padStart(6, '0')}`;
};
const NON_MERCH = new Set(['POST', 'DOT', 'M', 'C2', 'D', 'S', 'BANK CHARGES', 'AMAZONFEE', 'CRUK', 'B']);

function independent(dir: string) {
  const seen = new Set<string>();
  let rows = 0;
  let duplicates = 0;
  const types: Record<string, number> = {};
  let revenue = 0n;
  let units = 0n;
  let cancelValue = 0n;
  const orders = new Set<string>();
  const customers = new Set<string>();
  const cancelled = new Set<string>();
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort()) {
    const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n').slice(1);
    for (const line of lines) {
      if (line === '') continue;
      rows++;
      if (seen.has(line)) {
        duplicates++;
        continue;
      }
      seen.add(line);
      const [inv0, sc0, , q0, , p0, cust0] = splitCsv(line) as string[];
      const inv = inv0!.trim().toUpperCase();
      const sc = sc0!.trim().toUpperCase();
      const q = BigInt(q0!.trim());
      const p = micros(p0!.trim());
      let t: string;
      if (q === 0n) t = 'zero_quantity';
      else if (inv.startsWith('C')) t = q > 0n ? 'cancellation_positive_quantity' : 'cancellation';
      else if (inv.startsWith('A') || sc === 'B') t = 'adjustment';
      else if (p < 0n) t = 'negative_price';
      else if (NON_MERCH.has(sc) || sc.startsWith('GIFT_0001_')) t = 'non_merchandise';
      else if (q < 0n) t = 'stock_adjustment';
      else if (p === 0n) t = 'zero_price';
      else t = 'sale';
      types[t] = (types[t] ?? 0) + 1;
      if (t === 'sale') {
        revenue += q * p;
        units += q;
        orders.add(inv);
        const c = cust0!.trim();
        if (c !== '') customers.add(c.replace(/\.0+$/, ''));
      } else if (t === 'cancellation') {
        cancelled.add(inv);
        cancelValue += -q * p;
      }
    }
  }
  return {
    rows,
    duplicates,
    types,
    revenue,
    units,
    orders: orders.size,
    customers: customers.size,
    cancelled: cancelled.size,
    cancelValue,
  };
}

describe('full Online Retail data', () => {
  let f: Fixture;
  let summary: RunSummary;
  let expected: ReturnType<typeof independent>;

  beforeAll(async () => {
    const dir = fullDataDir();
    f = createFixture();
    summary = await f.run({ sourceUri: dir });
    expected = independent(dir);
  });
  afterAll(() => f?.cleanup());

  it('ingests all 541,909 rows and reconciles them exactly', () => {
    expect(summary.status).toBe('Succeeded');
    expect(summary.steps.bronze!.rowsOut).toBe(541_909);
    expect(expected.rows).toBe(541_909);
    const s = summary.steps.silver!;
    expect(s.rowsOut + (s.quarantined as number) + (s.duplicatesRemoved as number)).toBe(541_909);
    expect(s.duplicatesRemoved).toBe(expected.duplicates);
  });

  it('line types and quarantine rules agree with the independent computation', () => {
    const s = summary.steps.silver!;
    const all = {
      ...(s.lineTypes as Record<string, number>),
      ...(s.quarantineByRule as Record<string, number>),
    };
    const nonZero = Object.fromEntries(Object.entries(all).filter(([, n]) => n > 0));
    expect(nonZero).toEqual(expected.types);
  });

  it('KPIs agree with the independent computation, exactly', async () => {
    const [k] = await f.query(`SELECT CAST(revenue AS VARCHAR) AS revenue, orders, customers, units,
        CAST(cancellation_value AS VARCHAR) AS cv, cancelled_invoices FROM '${f.goldFile('kpis')}'`);
    expect(k).toEqual({
      revenue: fmt(expected.revenue),
      orders: String(expected.orders),
      customers: String(expected.customers),
      units: String(expected.units),
      cv: fmt(expected.cancelValue),
      cancelled_invoices: String(expected.cancelled),
    });
    const cents = (m: bigint): number => Number((m + 5_000n) / 10_000n) / 100;
    expect(summary.kpis).toMatchObject({
      revenue: cents(expected.revenue),
      orders: expected.orders,
      customers: expected.customers,
      units: Number(expected.units),
      cancelledInvoices: expected.cancelled,
      cancellationValue: cents(expected.cancelValue),
    });
    expect(summary.kpis!.averageOrderValue).toBeCloseTo(Number(expected.revenue) / 1e6 / expected.orders, 2);
  });

  it('daily, monthly and country series add up to revenue; RFM and cohorts are consistent', async () => {
    const [t] = await f.query(`SELECT
      (SELECT CAST(sum(revenue) AS VARCHAR) FROM '${f.goldFile('kpi_daily')}') AS daily,
      (SELECT CAST(sum(revenue) AS VARCHAR) FROM '${f.goldFile('country_monthly')}') AS country,
      (SELECT count(*) FROM '${f.goldFile('kpi_monthly')}') AS months,
      (SELECT count(*) FROM '${f.goldFile('rfm')}') AS rfm_customers,
      (SELECT count(*) FROM '${f.goldFile('rfm')}' WHERE r_score NOT BETWEEN 1 AND 5 OR f_score NOT BETWEEN 1 AND 5 OR m_score NOT BETWEEN 1 AND 5) AS bad_scores,
      (SELECT sum(customers) FROM '${f.goldFile('cohorts')}' WHERE period = 0) AS cohort_customers,
      (SELECT max(retention_rate) FROM '${f.goldFile('cohorts')}') AS max_rate`);
    expect(t).toEqual({
      daily: fmt(expected.revenue),
      country: fmt(expected.revenue),
      months: '13',
      rfm_customers: String(expected.customers),
      bad_scores: '0',
      cohort_customers: String(expected.customers),
      max_rate: 1,
    });
  });

  it('writes OpenLineage START and COMPLETE events per step and the summary at a stable path', () => {
    const runDir = path.join(f.lakeDir, '_lineage', summary.runId);
    const events = fs.readdirSync(runDir).sort();
    expect(events).toEqual([
      '001-bronze-START.json',
      '002-bronze-COMPLETE.json',
      '003-silver-START.json',
      '004-silver-COMPLETE.json',
      '005-gold-START.json',
      '006-gold-COMPLETE.json',
    ]);
    const silverDone = JSON.parse(fs.readFileSync(path.join(runDir, '004-silver-COMPLETE.json'), 'utf8'));
    expect(silverDone.outputs[0].outputFacets.outputStatistics.rowCount).toBe(summary.steps.silver!.rowsOut);
    const latest = JSON.parse(fs.readFileSync(path.join(f.lakeDir, '_runs/latest.json'), 'utf8'));
    expect(latest.runId).toBe(summary.runId);
  });
});
