import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { MedallionError } from '../errors.js';
import { quoteLiteral } from './sql-quote.js';

type SandboxRow = Record<string, unknown>;

/**
 * A separate, throw-away DuckDB for SQL that users wrote (quality checks, their filters): it sees only the views it
 * was created with, reads only their files, writes only into one directory, cannot change that (configuration
 * locked), and every statement runs under a timeout. Statements are checked to be one SELECT before they run.
 */
export interface SqlSandbox {
  all(sql: string, timeoutMs: number): Promise<SandboxRow[]>;
  run(sql: string, timeoutMs: number): Promise<void>;
  /** undefined when `sql` is exactly one SELECT statement, else why not. */
  whyNotSelect(sql: string): Promise<string | undefined>;
  close(): void;
}

export class SqlTimeoutError extends MedallionError {
  constructor(seconds: number) {
    super('ENGINE', `the query ran longer than its ${seconds}s timeout and was interrupted`, {
      hint: 'Narrow the check (a filter) or raise its timeoutSeconds.',
    });
  }
}

export async function createSqlSandbox(o: {
  /** View name → SELECT over the files below (created before access is shut). */
  views: Record<string, string>;
  readable: string[];
  writableDir: string;
  memoryLimit: string;
  threads?: number | undefined;
}): Promise<SqlSandbox> {
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: o.memoryLimit,
    threads: String(o.threads ?? 1),
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const conn: DuckDBConnection = await instance.connect();
  try {
    for (const [name, sql] of Object.entries(o.views)) await conn.run(`CREATE VIEW "${name}" AS ${sql}`);
    const dir = o.writableDir.endsWith('/') ? o.writableDir : `${o.writableDir}/`;
    await conn.run(`SET allowed_paths = [${o.readable.map(quoteLiteral).join(', ')}]`);
    await conn.run(`SET allowed_directories = [${quoteLiteral(dir)}]`);
    await conn.run(`SET enable_external_access = false`);
    await conn.run(`SET lock_configuration = true`);
  } catch (cause) {
    conn.closeSync();
    instance.closeSync();
    throw new MedallionError(
      'ENGINE',
      `cannot set up the check sandbox: ${(cause as Error).message.split('\n')[0]}`,
      {
        cause,
      },
    );
  }
  const timed = async <T>(timeoutMs: number, f: () => Promise<T>): Promise<T> => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
    }, timeoutMs);
    try {
      return await f();
    } catch (cause) {
      if (timedOut) throw new SqlTimeoutError(timeoutMs / 1000);
      throw new MedallionError('ENGINE', (cause as Error).message.split('\n')[0] ?? 'query failed', {
        cause,
      });
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    all: (sql, ms) =>
      timed(ms, async () => (await conn.runAndReadAll(sql)).getRowObjectsJson() as SandboxRow[]),
    run: (sql, ms) => timed(ms, async () => void (await conn.run(sql))),
    async whyNotSelect(sql) {
      const r = await conn.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS j`);
      const parsed = JSON.parse(String(r.getRowObjectsJson()[0]?.j)) as {
        error: boolean;
        error_message?: string;
        statements?: unknown[];
      };
      if (parsed.error) return parsed.error_message ?? 'not a SELECT statement';
      if (parsed.statements?.length !== 1)
        return `expected one statement, got ${parsed.statements?.length ?? 0}`;
      return undefined;
    },
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
