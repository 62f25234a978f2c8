import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTerminationMessage } from '../../runner/run/termination-message.js';
import { createFixture, HEADER, type Fixture } from '../helpers/pipeline-fixture.js';

const ROW1 = '536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom';
const ROW2 = '536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,17850.0,United Kingdom';
const ROW3 = '536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,2010-12-01 08:34:00,1.69,13047.0,United Kingdom';
const relaxed = '  quality: { minScore: 0.1, maxQuarantineRatio: 1 }';

let f: Fixture;
afterEach(() => f?.cleanup());

const quarantine = async (fx: Fixture) =>
  fx.query(
    `SELECT source_file, CAST(source_line AS INT) AS line, rule_id, raw_record FROM ${await fx.silverTable('quarantine')} ORDER BY 1, 2`,
  );

describe('bad input: clear errors, nothing lost', () => {
  it('an empty file and a header-only file are recorded with zero rows', async () => {
    f = createFixture();
    f.write('empty.csv', '');
    f.write('header-only.csv', HEADER + '\n');
    f.write('day.csv', `${HEADER}\n${ROW1}\n`);
    const s = await f.run();
    expect(s.status).toBe('Succeeded');
    const files = s.steps.bronze!.files as { file: string; rows: number }[];
    expect(files.map((x) => [x.file, x.rows])).toEqual([
      ['day.csv', 1],
      ['empty.csv', 0],
      ['header-only.csv', 0],
    ]);
    expect(s.steps.silver!.rowsOut).toBe(1);
  });

  it('a missing required column fails bronze, names the column, and publishes nothing', async () => {
    f = createFixture();
    f.write('day.csv', `${HEADER}\n${ROW1}\n`);
    f.write(
      'bad.csv',
      `InvoiceNo,StockCode,Description,InvoiceDate,UnitPrice,CustomerID,Country\n536365,85123A,X,2010-12-01 08:26:00,2.55,,UK\n`,
    );
    const s = await f.run();
    expect(s.status).toBe('Failed');
    expect(s.error?.code).toBe('SOURCE_SCHEMA');
    expect(s.error?.message).toMatch(/bad\.csv: required column "Quantity" \(quantity\) not found/);
    expect(s.steps.silver!.status).toBe('Skipped');
    expect(fs.existsSync(path.join(f.lakeDir, 'bronze/online_retail/manifest.json'))).toBe(false);
    expect(fs.existsSync(path.join(f.lakeDir, 'bronze/online_retail/parts'))).toBe(false);
    expect(fs.existsSync(path.join(f.lakeDir, 'silver'))).toBe(false);
  });

  it('a failed quality check fails silver and publishes nothing; the previous version stays current', async () => {
    f = createFixture('  quality: { minScore: 0.95 }');
    f.write('a.csv', `${HEADER}\n${ROW1}\n${ROW2}\n${ROW3}\n`);
    const first = await f.run();
    expect(first.status).toBe('Succeeded');
    const pointer = () => fs.readFileSync(path.join(f.lakeDir, 'silver/online_retail/CURRENT'), 'utf8');
    const before = pointer();
    f.write('b.csv', `${HEADER}\n${ROW1.replace(',6,', ',six,')}\n${ROW2.replace(',6,', ',0,')}\n`);
    const s = await f.run();
    expect(s.status).toBe('Failed');
    expect(s.steps.silver).toMatchObject({
      status: 'Failed',
      note: expect.stringMatching(/quality check failed: min_score/),
    });
    expect(s.steps.gold!.status).toBe('Skipped');
    // The score that failed reaches the operator through the termination message (its quality alert reads it).
    expect(s.quality!.score).toBeLessThan(0.95);
    expect(JSON.parse(buildTerminationMessage(s))).toMatchObject({
      step: 'silver',
      status: 'Failed',
      quality: { score: s.quality!.score, failedChecks: expect.arrayContaining(['min_score']) },
    });
    expect(pointer()).toBe(before);
    expect(await f.query(`SELECT count(*) AS n FROM ${await f.silverTable('sales_lines')}`)).toEqual([
      { n: '3' },
    ]);
  });

  it('keeps unknown extra columns in bronze', async () => {
    f = createFixture();
    f.write('day.csv', `${HEADER},Channel\n${ROW1},web\n`);
    await f.run();
    const part = `${fs.readdirSync(path.join(f.lakeDir, 'bronze/online_retail/parts'))[0]!}/*.parquet`;
    const rows = await f.query(
      `SELECT "Channel", "Quantity", _source_line FROM '${path.join(f.lakeDir, 'bronze/online_retail/parts', part)}'`,
    );
    expect(rows).toEqual([{ Channel: 'web', Quantity: '6', _source_line: '2' }]);
  });

  it('reads a file with a UTF-8 byte order mark', async () => {
    f = createFixture();
    f.write('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}\n${ROW1}\n`)]));
    const s = await f.run();
    expect(s.status).toBe('Succeeded');
    expect(s.steps.silver!.rowsOut).toBe(1);
  });

  it('quarantines a line with Latin-1 bytes in a UTF-8 file, keeping its bytes; reads it with encoding latin-1', async () => {
    const latin = Buffer.concat([
      Buffer.from(`${HEADER}\n${ROW1}\n536368,GIFT_0001_20,Dotcomgiftshop Gift Voucher `),
      Buffer.from([0xa3]), // '£' in Latin-1, invalid on its own in UTF-8
      Buffer.from(`20.00,1,2010-12-01 09:00:00,17.02,,United Kingdom\n${ROW2}\n`),
    ]);
    f = createFixture(relaxed);
    f.write('latin.csv', latin);
    const s = await f.run();
    expect(s.steps.silver!.quarantineByRule).toEqual({ invalid_encoding: 1 });
    const [q] = await quarantine(f);
    expect(q).toMatchObject({ source_file: 'latin.csv', line: 3, rule_id: 'invalid_encoding' });
    const raw = Buffer.from(String(q!.raw_record).replace(/^base64:/, ''), 'base64');
    expect(raw.includes(Buffer.from([0xa3]))).toBe(true);
    expect(s.steps.silver!.rowsOut).toBe(2);
    f.cleanup();

    f = createFixture('', '    options: { encoding: latin-1 }');
    f.write('latin.csv', latin);
    const s2 = await f.run();
    expect(s2.steps.silver!.quarantined).toBe(0);
    const [gift] = await f.query(
      `SELECT description FROM ${await f.silverTable('sales_lines')} WHERE stock_code = 'GIFT_0001_20'`,
    );
    expect(gift).toEqual({ description: 'Dotcomgiftshop Gift Voucher £20.00' });
  });

  it('quarantines ragged rows and broken quotes with file and line, and reads the rest', async () => {
    f = createFixture(relaxed);
    f.write(
      'day.csv',
      [
        HEADER,
        ROW1,
        `${ROW2},extra`,
        '536369,22633,"BROKEN QUOTE,6,2010-12-01 08:28:00,1.85,,United Kingdom',
        ROW3,
        '536370,1',
      ].join('\n') + '\n',
    );
    const s = await f.run();
    expect((await quarantine(f)).map((q) => [q.line, q.rule_id])).toEqual([
      [3, 'ragged_row'],
      [4, 'broken_quote'],
      [6, 'ragged_row'],
    ]);
    expect(s.steps.silver!.rowsOut).toBe(2);
    expect(s.steps.bronze!.rowsOut).toBe(5);
  });

  it('quarantines a non-numeric quantity and a bad date as unparseable', async () => {
    f = createFixture(relaxed);
    f.write(
      'day.csv',
      [HEADER, ROW1.replace(',6,', ',6x,'), ROW2.replace('2010-12-01 08:28:00', '2010-13-45 08:28:00')].join(
        '\n',
      ) + '\n',
    );
    await f.run();
    expect((await quarantine(f)).map((q) => [q.line, q.rule_id])).toEqual([
      [2, 'unparseable'],
      [3, 'unparseable'],
    ]);
  });

  it('a corrupt gzip fails the step with the file name and what to do, publishing nothing', async () => {
    f = createFixture('', '    format: csv.gz');
    f.write('good.csv.gz', gzipSync(`${HEADER}\n${ROW1}\n`));
    f.write('bad.csv.gz', gzipSync(`${HEADER}\n${ROW2}\n`).subarray(0, 20));
    const s = await f.run();
    expect(s.status).toBe('Failed');
    expect(s.error?.code).toBe('SOURCE_UNREADABLE');
    expect(s.error?.message).toMatch(/bad\.csv\.gz/);
    expect(s.error?.hint).toMatch(/not valid gzip/);
    expect(fs.existsSync(path.join(f.lakeDir, 'bronze/online_retail/manifest.json'))).toBe(false);
  });

  it('skips a file already ingested; the same content under a new name is all duplicates', async () => {
    f = createFixture(relaxed);
    f.write('day.csv', `${HEADER}\n${ROW1}\n${ROW2}\n`);
    const first = await f.run();
    const again = await f.run();
    expect(again.steps.bronze).toMatchObject({ rowsOut: 0, note: 'no new files', skippedFiles: 1 });
    expect(again.steps.silver!.note).toBe('up to date');
    expect(again.kpis).toEqual(first.kpis);
    f.write('day-copy.csv', `${HEADER}\n${ROW1}\n${ROW2}\n`);
    const third = await f.run();
    expect(third.steps.silver).toMatchObject({ rowsOut: 2, duplicatesRemoved: 2 });
    expect(third.kpis).toEqual(first.kpis);
  });

  it('rejects a changed file by default, keeping the published version; re-ingests it when allowed', async () => {
    f = createFixture();
    f.write('day.csv', `${HEADER}\n${ROW1}\n`);
    const first = await f.run();
    const silverBefore = first.steps.silver!.version;
    f.write('day.csv', `${HEADER}\n${ROW1}\n${ROW2}\n`);
    const s = await f.run();
    expect(s.status).toBe('Failed');
    expect(s.error?.code).toBe('SOURCE_CHANGED');
    expect(s.error?.message).toMatch(/day\.csv/);
    expect(s.error?.hint).toMatch(/onChangedFile: reingest/);
    const pointer = JSON.parse(fs.readFileSync(path.join(f.lakeDir, 'silver/online_retail/CURRENT'), 'utf8'));
    expect(pointer.version).toBe(silverBefore);
    expect(await f.query(`SELECT count(*) AS n FROM ${await f.silverTable('sales_lines')}`)).toEqual([
      { n: '1' },
    ]);

    fs.appendFileSync(f.specFile, '');
    fs.writeFileSync(
      f.specFile,
      fs
        .readFileSync(f.specFile, 'utf8')
        .replace('uri: ./source', 'uri: ./source\n    onChangedFile: reingest'),
    );
    const re = await f.run();
    expect(re.status).toBe('Succeeded');
    expect(re.steps.silver).toMatchObject({ rowsOut: 2, duplicatesRemoved: 0 });
  });
});
