import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlSandbox, SqlTimeoutError, type SqlSandbox } from './sql-sandbox.js';

describe('the SQL sandbox of user-written checks', () => {
  let dir: string;
  let box: SqlSandbox;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-sandbox-'));
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    for (const name of ['mine', 'other'])
      await conn.run(`COPY (SELECT range AS a FROM range(10)) TO '${path.join(dir, `${name}.parquet`)}'`);
    conn.closeSync();
    fs.mkdirSync(path.join(dir, 'out'));
    box = await createSqlSandbox({
      views: { t: `SELECT * FROM read_parquet('${path.join(dir, 'mine.parquet')}')` },
      readable: [path.join(dir, 'mine.parquet')],
      writableDir: path.join(dir, 'out'),
      memoryLimit: '256MB',
    });
  });
  afterAll(() => {
    box?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads its own table', async () => {
    expect(await box.all('SELECT count(*) AS n FROM t', 5000)).toEqual([{ n: '10' }]);
  });

  it('cannot read any other file, nor write outside its directory', async () => {
    await expect(
      box.all(`SELECT * FROM read_parquet('${path.join(dir, 'other.parquet')}')`, 5000),
    ).rejects.toThrow(/Permission Error/);
    await expect(box.all(`SELECT * FROM read_csv('/etc/passwd')`, 5000)).rejects.toThrow(/Permission Error/);
    await expect(box.run(`COPY t TO '${path.join(dir, 'stolen.parquet')}'`, 5000)).rejects.toThrow(
      /Permission Error/,
    );
    await expect(box.run(`ATTACH '${path.join(dir, 'x.db')}'`, 5000)).rejects.toThrow(/Permission Error/);
    expect(fs.existsSync(path.join(dir, 'stolen.parquet'))).toBe(false);
  });

  it('cannot unlock itself', async () => {
    await expect(box.run('SET enable_external_access = true', 5000)).rejects.toThrow(/locked/);
  });

  it('tells one SELECT from anything else', async () => {
    expect(await box.whyNotSelect('SELECT * FROM t WHERE a > 3')).toBeUndefined();
    expect(await box.whyNotSelect('DELETE FROM t')).toMatch(/SELECT/);
    expect(await box.whyNotSelect(`COPY t TO 'x.csv'`)).toMatch(/SELECT/);
    expect(await box.whyNotSelect('SELECT 1; DROP VIEW t')).toBeDefined();
    expect(
      await box.whyNotSelect('SELECT * FROM t WHERE (a > 1) OR (1=1)) x; DROP VIEW t; SELECT (1'),
    ).toBeDefined();
  });

  it('interrupts a query that outlives its timeout', async () => {
    const started = performance.now();
    await expect(
      box.all('SELECT count(*) FROM range(1000000000000) t(a) WHERE a % 7 = 3', 300),
    ).rejects.toBeInstanceOf(SqlTimeoutError);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(await box.all('SELECT 1 AS one', 5000)).toEqual([{ one: 1 }]);
  });
});
