import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../logger.js';
import { MedallionError } from '../errors.js';

type SqlValue = string | number | boolean | null | SqlValue[] | { [k: string]: SqlValue };
type SqlRow = Record<string, SqlValue>;

/** The engine adapter: the only module that talks to DuckDB. Steps hand it SQL built by pure functions. */
export interface SqlEngine {
  run(sql: string): Promise<void>;
  /** Rows as JSON-safe values: BIGINT and DECIMAL arrive as strings so that nothing is rounded. */
  all(sql: string): Promise<SqlRow[]>;
  close(): void;
}

interface EngineOptions {
  memoryLimit: string;
  threads?: number | undefined;
  /** Spill directory: DuckDB writes here when a query needs more than memoryLimit. */
  tempDir: string;
  logger: Logger;
}

export async function createSqlEngine(options: EngineOptions): Promise<SqlEngine> {
  const log = options.logger.child({ component: 'sql-engine' });
  const config: Record<string, string> = {
    memory_limit: options.memoryLimit,
    temp_directory: options.tempDir,
    preserve_insertion_order: 'false',
  };
  if (options.threads) config.threads = String(options.threads);
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn: DuckDBConnection = await instance.connect();
  const wrap = async <T>(sql: string, f: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await f();
    } catch (cause) {
      throw new MedallionError('ENGINE', `SQL engine error: ${(cause as Error).message.split('\n')[0]}`, {
        cause,
      });
    } finally {
      log.trace({ ms: Math.round(performance.now() - started), sql: sql.slice(0, 200) }, 'sql');
    }
  };
  return {
    run: (sql) => wrap(sql, async () => void (await conn.run(sql))),
    all: (sql) => wrap(sql, async () => (await conn.runAndReadAll(sql)).getRowObjectsJson() as SqlRow[]),
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
