import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_SQL_TEXTS } from '../../runner/engine/hostile-sql-texts.js';
import { quoteIdent, quoteLiteral } from '../../runner/engine/sql-quote.js';
import { startTestPostgres, type TestPostgres } from './helpers/test-postgres.js';

const HOSTILE = HOSTILE_SQL_TEXTS;

/** The quoting the lake steps use on DuckDB means the same on PostgreSQL (warehouse, search, API). */
describe('quoteIdent / quoteLiteral on PostgreSQL', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => pg?.stop());

  it('reads back every hostile text exactly, as a value and as a column name', async () => {
    const pool = pg.pool();
    for (const text of HOSTILE) {
      // PostgreSQL truncates identifiers to 63 bytes and refuses empty ones; the hostile names are shorter.
      const name = text === '' ? 'empty' : text;
      const res = await pool.query(`SELECT ${quoteLiteral(text)}::text AS ${quoteIdent(name)}`);
      expect(res.fields.map((f) => f.name)).toEqual([name]);
      expect(res.rows).toEqual([{ [name]: text }]);
    }
    // A quoted schema name that would otherwise end the statement.
    const schema = 'odd"; DROP SCHEMA public; --';
    await pool.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    const found = await pool.query('SELECT nspname FROM pg_namespace WHERE nspname = $1', [schema]);
    expect(found.rowCount).toBe(1);
  });
});
