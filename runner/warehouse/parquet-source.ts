import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '../engine/sql-quote.js';
import { WarehouseError } from './errors.js';

export interface ParquetColumn {
  name: string;
  /** DuckDB type name, e.g. DECIMAL(38,6), BIGINT, TIMESTAMP WITH TIME ZONE. */
  type: string;
}

/** Reads the published Parquet files with DuckDB and exports them as CSV for PostgreSQL COPY. */
export interface ParquetSource {
  /** Columns of a relation, e.g. `read_parquet([...])` (silver-input.ts readParquetSql). */
  columns(relation: string): Promise<ParquetColumn[]>;
  /**
   * Runs a query whose result is written as headerless CSV (NULL unquoted-empty, empty strings quoted), in order
   * and straight into outFile (no temp file and rename), so outFile may be a named pipe.
   */
  exportCsv(selectSql: string, outFile: string): Promise<void>;
  queryRows(sql: string): Promise<Record<string, unknown>[]>;
  execute(sql: string): Promise<void>;
  close(): void;
}

/** Opens an in-memory DuckDB; timestamps with time zone render in UTC with an explicit offset. */
export const openParquetSource = async (options: { threads?: number } = {}): Promise<ParquetSource> => {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads ?? 2),
  });
  let connection: DuckDBConnection;
  try {
    connection = await instance.connect();
    await connection.run(`SET TimeZone = 'UTC'`);
  } catch (cause) {
    instance.closeSync();
    throw new WarehouseError('WAREHOUSE_INPUT', 'cannot open DuckDB to read the Parquet inputs', { cause });
  }
  const wrap = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (cause) {
      throw new WarehouseError('WAREHOUSE_INPUT', `${what} failed`, { cause });
    }
  };
  return {
    columns: (relation) =>
      wrap(`reading the schema of ${relation.slice(0, 200)}`, async () => {
        const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
        return reader
          .getRowObjectsJS()
          .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
      }),
    exportCsv: (selectSql, outFile) =>
      wrap(`exporting ${outFile}`, async () => {
        await connection.run(
          `COPY (${selectSql}) TO ${quoteLiteral(outFile)} (FORMAT csv, HEADER false, USE_TMP_FILE false)`,
        );
      }),
    queryRows: (sql) =>
      wrap('querying the Parquet inputs', async () =>
        (await connection.runAndReadAll(sql)).getRowObjectsJS(),
      ),
    execute: (sql) =>
      wrap('preparing the Parquet inputs', async () => {
        await connection.run(sql);
      }),
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
};
