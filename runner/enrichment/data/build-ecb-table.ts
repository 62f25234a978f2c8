/**
 * Regenerates ecb-rates.json, the bundled fallback of the currency provider, from the ECB's eurofxref-hist.csv.
 * Keeps only what enrichment needs: GBP and USD per EUR for every ECB business day, as the decimal strings the
 * ECB published (no float round trip), oldest first.
 *
 *   npx tsx runner/enrichment/data/build-ecb-table.ts [path/to/eurofxref-hist.csv]
 *
 * Default input: ../shared/data/reference/eurofxref-hist.csv relative to the repository root.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

interface EcbTableFile {
  source: string;
  unit: string;
  columns: ['date', 'GBP', 'USD'];
  rows: [string, string, string][];
}

function buildEcbTable(csv: string): EcbTableFile {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',').map((h) => h.trim()) ?? [];
  const at = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`eurofxref-hist.csv has no ${name} column`);
    return i;
  };
  const [iDate, iGbp, iUsd] = [at('Date'), at('GBP'), at('USD')];
  const rows: [string, string, string][] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const [date, gbp, usd] = [cells[iDate]?.trim(), cells[iGbp]?.trim(), cells[iUsd]?.trim()];
    if (!date || !gbp || !usd) throw new Error(`short line in eurofxref-hist.csv: ${line}`);
    // Some early rows hold N/A for a currency; a row without both rates is useless to the fallback.
    if (gbp === 'N/A' || usd === 'N/A') continue;
    rows.push([date, gbp, usd]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return {
    source: 'European Central Bank, euro foreign exchange reference rates (eurofxref-hist.csv)',
    unit: 'units of the currency per 1 EUR',
    columns: ['date', 'GBP', 'USD'],
    rows,
  };
}

async function main(): Promise<void> {
  const input = resolve(process.argv[2] ?? join(repoRoot, '../shared/data/reference/eurofxref-hist.csv'));
  const table = buildEcbTable(await readFile(input, 'utf8'));
  // One row per line (the layout Prettier gives it) keeps diffs readable when the table is regenerated.
  const row = (r: readonly string[]) => `[${r.map((c) => JSON.stringify(c)).join(', ')}]`;
  const text = [
    '{',
    `  "source": ${JSON.stringify(table.source)},`,
    `  "unit": ${JSON.stringify(table.unit)},`,
    `  "columns": ${row(table.columns)},`,
    '  "rows": [',
    table.rows.map((r) => `    ${row(r)}`).join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
  const output = join(here, 'ecb-rates.json');
  await writeFile(output, text);
  console.log(
    `wrote ${table.rows.length} rows (${table.rows[0]?.[0]} .. ${table.rows.at(-1)?.[0]}) to ${output}`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
