/**
 * Synthetic Online Retail data with the real schema and realistic shape, for scale benchmarks:
 * Zipf-distributed product popularity over 4,000 stock codes, log-normal quantities and prices, 25 % anonymous
 * lines, ~2 % cancellations, a few non-merchandise lines (POST, M, BANK CHARGES …), ~1 % exact duplicate lines,
 * UK-heavy countries, one CSV per trading day like the real files. Deterministic for a given seed.
 *
 * Usage: npx tsx bench/synthetic/generate.ts --rows 10000000 --out /tmp/synthetic-10m [--seed 42]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'WHITE',
  'HANGING',
  'HEART',
  'T-LIGHT',
  'HOLDER',
  'RED',
  'RETROSPOT',
  'CAKE',
  'STAND',
  'VINTAGE',
  'JUMBO',
  'BAG',
  'PINK',
  'LUNCH',
  'BOX',
  'SET',
  'OF',
  '3',
  'REGENCY',
  'TEACUP',
  'CHRISTMAS',
  'GLASS',
  'BAUBLE',
  'PAPER',
  'CHAIN',
  'KIT',
  'WOODEN',
  'FRAME',
  'ANTIQUE',
  'METAL',
  'SIGN',
  'LANTERN',
  'CERAMIC',
  'DRAWER',
  'KNOB',
  'NATURAL',
  'SLATE',
  'DOORMAT',
];
const COUNTRIES: [string, number][] = [
  ['United Kingdom', 0.89],
  ['Germany', 0.02],
  ['France', 0.02],
  ['EIRE', 0.02],
  ['Spain', 0.006],
  ['Netherlands', 0.006],
  ['Belgium', 0.005],
  ['Switzerland', 0.005],
  ['Portugal', 0.004],
  ['Australia', 0.003],
  ['Norway', 0.003],
  ['Italy', 0.003],
  ['Channel Islands', 0.002],
  ['Finland', 0.002],
  ['Cyprus', 0.002],
  ['Sweden', 0.002],
  ['Unspecified', 0.001],
  ['Austria', 0.001],
  ['Denmark', 0.001],
  ['Japan', 0.001],
];
const NON_MERCH = ['POST', 'M', 'D', 'C2', 'DOT', 'BANK CHARGES', 'AMAZONFEE', 'CRUK'];

interface Product {
  code: string;
  description: string;
  price: string;
}

function catalog(rand: () => number, n: number): Product[] {
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from(
      { length: 2 + Math.floor(rand() * 4) },
      () => WORDS[Math.floor(rand() * WORDS.length)],
    );
    const price = Math.exp(Math.log(2.5) + 0.9 * gaussian(rand));
    const desc = words.join(' ');
    return {
      code: `${20000 + i}${rand() < 0.2 ? 'ABCDEFG'[Math.floor(rand() * 7)] : ''}`,
      description: desc.includes(',') ? `"${desc}"` : rand() < 0.05 ? ` ${desc} ` : desc,
      price: price.toFixed(2),
    };
  });
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export function generate(options: { rows: number; out: string; seed?: number; log?: (s: string) => void }): {
  files: number;
  rows: number;
} {
  const rand = mulberry32(options.seed ?? 42);
  const products = catalog(rand, 4000);
  // Zipf (s ≈ 1) popularity: the cumulative weights are sampled by binary search.
  const cum: number[] = [];
  let acc = 0;
  for (let i = 0; i < products.length; i++) cum.push((acc += 1 / (i + 1)));
  const pick = (): Product => {
    const x = rand() * acc;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return products[lo]!;
  };
  const customers = Array.from({ length: Math.max(100, Math.round(options.rows / 120)) }, (_, i) => {
    let r = rand();
    const hit = COUNTRIES.find(([, w]) => (r -= w) < 0);
    return { id: `${12346 + i}.0`, country: (hit ?? COUNTRIES[0]!)[0] };
  });
  fs.mkdirSync(options.out, { recursive: true });
  // About 1,800 rows a day like the real data, but never more than ~3,000 files.
  const rowsPerDay = Math.max(1800, Math.ceil(options.rows / 3000));
  const days = Math.max(1, Math.ceil(options.rows / rowsPerDay));
  let written = 0;
  let invoice = 536365;
  const start = Date.UTC(2010, 11, 1);
  for (let d = 0; d < days && written < options.rows; d++) {
    const date = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
    const lines: string[] = [
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
    ];
    const target = Math.min(rowsPerDay, options.rows - written);
    let n = 0;
    while (n < target) {
      const anonymous = rand() < 0.25;
      const cust = customers[Math.floor(rand() * customers.length)]!;
      const cancel = rand() < 0.02;
      const inv = `${cancel ? 'C' : ''}${invoice++}`;
      const h = 8 + Math.floor(rand() * 10);
      const ts = `${date} ${String(h).padStart(2, '0')}:${String(Math.floor(rand() * 60)).padStart(2, '0')}:00`;
      const size = Math.min(target - n, 1 + Math.floor(-Math.log(1 - rand()) * 18));
      for (let k = 0; k < size; k++) {
        const nonMerch = rand() < 0.004;
        const p = pick();
        const code = nonMerch ? NON_MERCH[Math.floor(rand() * NON_MERCH.length)]! : p.code;
        let qty = Math.max(1, Math.round(Math.exp(1.5 + 1.1 * gaussian(rand))));
        if (cancel || rand() < 0.01) qty = -qty;
        const price = rand() < 0.004 ? '0.00' : p.price;
        const line = `${inv},${code},${nonMerch ? code : p.description},${qty},${ts},${price},${anonymous ? '' : cust.id},${cust.country}`;
        lines.push(line);
        n++;
        if (n < target && rand() < 0.01) {
          lines.push(line); // an exact duplicate line, as the real data has
          n++;
        }
      }
    }
    fs.writeFileSync(path.join(options.out, `${date}.csv`), lines.join('\n') + '\n');
    written += n;
    if (d % 500 === 0) options.log?.(`generated ${written.toLocaleString('en-GB')} rows`);
  }
  return { files: days, rows: written };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.rows || !values.out) {
    console.log('Usage: npx tsx bench/synthetic/generate.ts --rows N --out DIR [--seed 42]');
    process.exit(values.help ? 0 : 2);
  }
  const r = generate({
    rows: Number(values.rows),
    out: values.out,
    seed: Number(values.seed ?? 42),
    log: (s) => console.error(s),
  });
  console.log(JSON.stringify(r));
}
