import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EcbRow } from './stand-in-servers.js';

/** The shared real data beside the repository, read directly (not through the code under test). */

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const retailDir = resolve(repoRoot, '../shared/data/online-retail/online-retail-by-day');
export const ecbCsvPath = resolve(repoRoot, '../shared/data/reference/eurofxref-hist.csv');

function requirePath(path: string): void {
  if (!existsSync(path)) {
    throw new Error(`Real data not found at ${path}: these tests need ../shared beside the repository root.`);
  }
}

/** GBP and USD per EUR from eurofxref-hist.csv, skipping N/A cells. */
export function readEcbCsv(): EcbRow[] {
  requirePath(ecbCsvPath);
  const [header, ...lines] = readFileSync(ecbCsvPath, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const [d, g, u] = [cols.indexOf('Date'), cols.indexOf('GBP'), cols.indexOf('USD')];
  return lines
    .map((l) => l.split(','))
    .filter((c) => c[g] !== 'N/A' && c[u] !== 'N/A')
    .map((c) => ({ date: c[d]!, gbp: c[g]!, usd: c[u]! }));
}

/** RFC 4180 records of one file: quoted fields may hold commas and doubled quotes. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

/** Every data row of every daily file, as the 8 raw fields. */
export function readRetailRows(): string[][] {
  requirePath(retailDir);
  const rows: string[][] = [];
  for (const file of readdirSync(retailDir)
    .filter((f) => f.endsWith('.csv'))
    .sort()) {
    const [header, ...data] = parseCsv(readFileSync(join(retailDir, file), 'utf8'));
    if (
      header?.join(',') !==
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country'
    ) {
      throw new Error(`unexpected header in ${file}`);
    }
    rows.push(...data);
  }
  return rows;
}

const NON_MERCHANDISE = new Set([
  'POST',
  'DOT',
  'M',
  'C2',
  'D',
  'S',
  'BANK CHARGES',
  'AMAZONFEE',
  'CRUK',
  'B',
]);

export interface SaleLine {
  description: string;
  quantity: number;
  unitPrice: string;
  date: string;
  country: string;
}

/** Sale lines: no cancellations (C) or adjustments (A), merchandise only, positive quantity and price, deduplicated. */
export function selectSaleLines(rows: readonly string[][]): SaleLine[] {
  const seen = new Set<string>();
  const lines: SaleLine[] = [];
  for (const r of rows) {
    const [invoice, stock, description, quantity, date, price, , country] = r as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const code = stock.trim().toUpperCase();
    if (invoice.startsWith('C') || invoice.startsWith('A')) continue;
    if (NON_MERCHANDISE.has(code) || code.startsWith('GIFT_0001_')) continue;
    if (!(Number(quantity) > 0) || !(Number(price) > 0)) continue;
    const key = r.join('\u0001');
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push({
      description,
      quantity: Number(quantity),
      unitPrice: price,
      date: date.slice(0, 10),
      country,
    });
  }
  return lines;
}
