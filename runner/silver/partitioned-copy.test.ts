import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlEngine, type SqlEngine } from '../engine/sql-engine.js';
import { copyPartitioned } from './partitioned-copy.js';

let dir: string;
let engine: SqlEngine;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'partitioned-copy-'));
  engine = await createSqlEngine({ memoryLimit: '256MB', tempDir: dir, logger: pino({ level: 'silent' }) });
  // 7 days, 3 rows each, inserted out of order.
  await engine.run(`CREATE TABLE t AS SELECT strftime(DATE '2011-01-01' + (i % 7)::INT, '%Y-%m-%d') AS pkey,
    'f' || (20 - i) AS source_file, i AS source_line FROM range(21) r(i)`);
});
afterAll(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function written(out: string) {
  const parts = (await fs.readdir(out)).sort();
  const rows = await engine.all(
    `SELECT pkey, source_file, source_line FROM read_parquet('${out}/*/*.parquet', hive_partitioning = true, filename = true)
     ORDER BY pkey, filename, file_row_number`,
  );
  return { parts, rows };
}

describe('copyPartitioned', () => {
  it('writes the same partition files in batches of keys as in one COPY, ordered inside each file', async () => {
    const one = path.join(dir, 'one');
    const batched = path.join(dir, 'batched');
    await copyPartitioned(engine, 't', one, 'source_file, source_line');
    await copyPartitioned(engine, 't', batched, 'source_file, source_line', 3);
    const a = await written(one);
    const b = await written(batched);
    expect(b.parts).toHaveLength(7);
    expect(b.parts.every((p) => p.startsWith('pkey='))).toBe(true); // no batch directory left behind
    expect(b).toEqual(a);
    const first = b.rows.filter((r) => r.pkey === '2011-01-01').map((r) => r.source_file);
    expect(first).toEqual([...first].sort());
    expect(b.rows).toHaveLength(21);
  });
});
