import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '../../../runner/engine/sql-quote.js';
import type { SilverPartition } from '../../../runner/lake/partitions.js';
import { createLocalStorage } from '../../../runner/storage/local-storage.js';
import { createPreaggStore } from '../../../runner/warehouse/preagg-store.js';
import {
  preaggPrefix,
  sourceFromDirs,
  type WarehouseSource,
} from '../../../runner/warehouse/warehouse-source.js';

/**
 * Stand-in for the partitioned silver of issue "Incremental runs" (runner/lake/partitions.ts is the contract): a
 * real silver `sales_lines` is held in DuckDB as table `lines`; each `publish` makes a new version from a query over
 * it, writes one immutable Parquet file per business date whose lines differ from the previous version (the
 * Hive-style layout silver uses: `parts/sales_lines/business_date=<date>/<run>.parquet`), keeps the previous
 * versions' files for unchanged dates, and returns the warehouse source with the partition map.
 */
export interface PartitionedSilver {
  publish(run: string, sql: string): Promise<{ source: WarehouseSource; changed: string[] }>;
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

export const createPartitionedSilver = async (options: {
  silverDir: string;
  goldDir: string;
  outDir: string;
}): Promise<PartitionedSilver> => {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db: DuckDBConnection = await instance.connect();
  await db.run(`SET TimeZone = 'UTC'`);
  await db.run(
    `CREATE TABLE lines AS SELECT * FROM read_parquet(${quoteLiteral(path.join(options.silverDir, 'sales_lines.parquet'))})`,
  );
  await db.run('CREATE TABLE cur AS SELECT * FROM lines WHERE false');
  const rows = async (sql: string): Promise<Record<string, unknown>[]> =>
    (await db.runAndReadAll(sql)).getRowObjectsJS();
  const map: Record<string, SilverPartition> = {};
  const base = await sourceFromDirs(options.silverDir, options.goldDir);
  return {
    query: rows,
    async publish(run, sql) {
      await db.run(`CREATE OR REPLACE TABLE nxt AS ${sql}`);
      const changed = (
        await rows(`SELECT DISTINCT strftime(business_date, '%Y-%m-%d') AS d FROM (
            (SELECT * FROM cur EXCEPT ALL SELECT * FROM nxt) UNION ALL (SELECT * FROM nxt EXCEPT ALL SELECT * FROM cur))
          ORDER BY 1`)
      ).map((r) => String(r.d));
      for (const date of changed) {
        const [count] = await rows(
          `SELECT count(*) AS n FROM nxt WHERE business_date = DATE ${quoteLiteral(date)}`,
        );
        const n = Number(count?.n ?? 0);
        if (n === 0) {
          delete map[date];
          continue;
        }
        const key = `silver/retail/parts/sales_lines/business_date=${date}/${run}.parquet`;
        const file = path.join(options.outDir, key);
        await mkdir(path.dirname(file), { recursive: true });
        await db.run(
          `COPY (SELECT * FROM nxt WHERE business_date = DATE ${quoteLiteral(date)} ORDER BY source_file, source_line)
           TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        map[date] = { builtBy: run, tables: { sales_lines: { key, rows: n } } };
      }
      await db.run('CREATE OR REPLACE TABLE cur AS SELECT * FROM nxt');
      const partitions = structuredClone(map);
      return {
        changed,
        source: {
          silver: {
            ...base.silver,
            version: run,
            partitions,
            partitionFiles: (keys: string[]) =>
              Promise.resolve(keys.map((key) => path.join(options.outDir, key))),
            salesLines: Object.keys(partitions)
              .sort()
              .map((k) => path.join(options.outDir, partitions[k]?.tables.sales_lines?.key ?? '')),
          },
          gold: base.gold,
          // The dimension pre-aggregates live beside the partitions, as in a lake.
          preaggs: createPreaggStore({
            storage: createLocalStorage({ root: options.outDir }),
            prefix: preaggPrefix('retail'),
            cacheDir: options.outDir,
          }),
        },
      };
    },
    close() {
      db.closeSync();
      instance.closeSync();
    },
  };
};
