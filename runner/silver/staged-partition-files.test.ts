import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlEngine, type SqlEngine } from '../engine/sql-engine.js';
import type { StepContext } from '../run/step-types.js';
import { stagedPartitionFiles } from './silver-report.js';

describe('stagedPartitionFiles', () => {
  let dir: string;
  let engine: SqlEngine;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medallion-staged-'));
    engine = await createSqlEngine({ memoryLimit: '256MB', tempDir: dir, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    engine.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('merges a partition DuckDB flushed in several files, with the columns it wrote and no pkey', async () => {
    const part = path.join(dir, 'sales_lines', 'pkey=2011-03-01');
    await fs.mkdir(part, { recursive: true });
    await engine.run(
      `COPY (SELECT 'A1' AS invoice_no, 2 AS quantity) TO '${part}/part_0.parquet' (FORMAT parquet)`,
    );
    await engine.run(
      `COPY (SELECT 'A2' AS invoice_no, 3 AS quantity) TO '${part}/part_1.parquet' (FORMAT parquet)`,
    );
    const single = path.join(dir, 'sales_lines', 'pkey=2011-03-02');
    await fs.mkdir(single, { recursive: true });
    await engine.run(
      `COPY (SELECT 'B1' AS invoice_no, 1 AS quantity) TO '${single}/part_0.parquet' (FORMAT parquet)`,
    );
    const ctx = { engine } as unknown as StepContext;
    const files = await stagedPartitionFiles(ctx, path.join(dir, 'sales_lines'));
    expect([...files.keys()].sort()).toEqual(['2011-03-01', '2011-03-02']);
    expect(files.get('2011-03-02')).toBe(`${single}/part_0.parquet`);
    const merged = files.get('2011-03-01')!;
    const columns = await engine.all(
      `DESCRIBE SELECT * FROM read_parquet('${merged}', hive_partitioning = false)`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(['invoice_no', 'quantity']);
    const rows = await engine.all(`SELECT invoice_no FROM read_parquet('${merged}') ORDER BY 1`);
    expect(rows.map((r) => r.invoice_no)).toEqual(['A1', 'A2']);
  });
});
