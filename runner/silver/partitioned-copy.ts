import fs from 'node:fs/promises';
import path from 'node:path';
import type { SqlEngine } from '../engine/sql-engine.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import { partitionedCopy } from './silver-sql.js';

/**
 * Partition keys one COPY may write. DuckDB keeps a writer with fixed buffers open per partition until the COPY
 * ends, whatever partitioned_write_max_open_files says: a small table spread over 5,657 days (the 10M-row lake)
 * ran out of a 1 GiB limit, while 2,000 keys per COPY stayed well inside it (docs/benchmarks.md, issue 14).
 */
export const KEYS_PER_COPY = 1000;

/**
 * Writes a materialised table (`source`, with a `pkey` column) as one Parquet file per partition under
 * `<dir>/pkey=<key>/`, ordered by `orderBy` inside each file, in batches of at most `keysPerCopy` keys. Each batch
 * goes to its own directory and its partition directories are then moved into `dir` (a rename: faster than
 * letting DuckDB write into a directory that already holds files).
 */
export async function copyPartitioned(
  engine: SqlEngine,
  source: string,
  dir: string,
  orderBy: string,
  keysPerCopy = KEYS_PER_COPY,
): Promise<void> {
  const keys = (await engine.all(`SELECT DISTINCT pkey FROM ${source} ORDER BY pkey`)).map((r) =>
    String(r.pkey),
  );
  const copy = (where: string, to: string) =>
    engine.run(
      `COPY (SELECT * FROM ${source}${where} ORDER BY ${orderBy}) TO ${quoteLiteral(to)} ${partitionedCopy()}`,
    );
  if (keys.length <= keysPerCopy) return copy('', dir);
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < keys.length; i += keysPerCopy) {
    const batch = keys.slice(i, i + keysPerCopy);
    const to = path.join(dir, `.batch-${i / keysPerCopy}`);
    await copy(` WHERE pkey BETWEEN ${quoteLiteral(batch[0]!)} AND ${quoteLiteral(batch.at(-1)!)}`, to);
    for (const d of await fs.readdir(to)) await fs.rename(path.join(to, d), path.join(dir, d));
    await fs.rm(to, { recursive: true, force: true });
  }
}
