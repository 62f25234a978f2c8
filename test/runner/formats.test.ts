import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, type Fixture } from '../helpers/pipeline-fixture.js';

const repo = path.resolve(import.meta.dirname, '../..');
const sample = path.join(repo, 'examples/online-retail/data/2010-12-01.csv');

describe('source formats: csv.gz, jsonl and parquet give the same silver as csv', () => {
  let csv: Fixture;
  const others: Record<string, Fixture> = {};

  beforeAll(async () => {
    csv = createFixture();
    csv.write('day.csv', fs.readFileSync(sample));
    await csv.run();
    // Build the other formats from the same rows, all values kept as the text that was read.
    const rows = await csv.query(
      `SELECT * EXCLUDE (filename) FROM read_csv('${sample}', all_varchar = true, header = true, filename = true)`,
    );

    others['csv.gz'] = createFixture('', '    format: csv.gz');
    others['csv.gz'].write('day.csv.gz', gzipSync(fs.readFileSync(sample)));

    others.jsonl = createFixture('', '    format: jsonl');
    // CSV has no nulls, only empty fields: write them as empty strings so the rows are the same as read.
    const asRead = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v ?? ''])));
    others.jsonl.write('day.jsonl', asRead.map((r) => JSON.stringify(r)).join('\n') + '\n');

    others.parquet = createFixture('', '    format: parquet');
    const pq = path.join(others.parquet.sourceDir, 'day.parquet');
    await csv.query(`COPY (SELECT * FROM read_csv('${sample}', all_varchar = true, header = true, nullstr = '\x01'))
      TO '${pq}' (FORMAT parquet)`);
    for (const fx of Object.values(others)) await fx.run();
  });
  afterAll(() => [csv, ...Object.values(others)].forEach((f) => f?.cleanup()));

  it.each(['csv.gz', 'jsonl', 'parquet'])('%s', async (format) => {
    const fx = others[format]!;
    const cols = '* EXCLUDE (ingest_run_id, source_file, source_line)';
    const [r] = await csv.query(`SELECT
      (SELECT count(*) FROM ${await fx.silverTable('sales_lines')}) - (SELECT count(*) FROM ${await csv.silverTable('sales_lines')}) AS n,
      (SELECT count(*) FROM (SELECT ${cols} FROM ${await csv.silverTable('sales_lines')} EXCEPT ALL SELECT ${cols} FROM ${await fx.silverTable('sales_lines')})) AS missing,
      (SELECT count(*) FROM (SELECT ${cols} FROM ${await fx.silverTable('sales_lines')} EXCEPT ALL SELECT ${cols} FROM ${await csv.silverTable('sales_lines')})) AS extra`);
    expect(r).toEqual({ n: '0', missing: '0', extra: '0' });
  });

  it('quarantines a jsonl line that is not a JSON object, with its line number', async () => {
    const fx = createFixture('  quality: { minScore: 0.1, maxQuarantineRatio: 1 }', '    format: jsonl');
    try {
      const good = fs
        .readFileSync(others.jsonl!.sourceDir + '/day.jsonl', 'utf8')
        .split('\n')
        .slice(0, 2);
      fx.write('x.jsonl', [good[0], '{not json', '[1,2]', good[1]].join('\n') + '\n');
      const s = await fx.run();
      expect(s.steps.silver!.quarantineByRule).toEqual({ invalid_json: 2 });
      const q = await fx.query(
        `SELECT CAST(source_line AS INT) AS l FROM ${await fx.silverTable('quarantine')} ORDER BY 1`,
      );
      expect(q).toEqual([{ l: 2 }, { l: 3 }]);
    } finally {
      fx.cleanup();
    }
  });
});
