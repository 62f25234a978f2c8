import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_SQL_TEXTS } from './hostile-sql-texts.js';
import { quoteIdent, quoteLiteral } from './sql-quote.js';

const HOSTILE = HOSTILE_SQL_TEXTS;

describe('quoteIdent / quoteLiteral', () => {
  let db: DuckDBInstance;
  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:');
  });
  afterAll(() => db.closeSync());

  it('doubles the quote character and nothing else', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteLiteral("a'b")).toBe("'a''b'");
    expect(quoteLiteral('a\\b"c')).toBe("'a\\b\"c'");
    expect(quoteIdent("a'b\\c")).toBe('"a\'b\\c"');
  });

  it.each(HOSTILE)('DuckDB reads back %j exactly, as a value and as a column name', async (text) => {
    const conn = await db.connect();
    try {
      const name = text === '' ? 'empty' : text;
      const reader = await conn.runAndReadAll(`SELECT ${quoteLiteral(text)} AS ${quoteIdent(name)}`);
      expect(reader.columnNames()).toEqual([name]);
      expect(reader.getRowObjectsJson()).toEqual([{ [name]: text }]);
    } finally {
      conn.closeSync();
    }
  });

  it('refuses NUL, which PostgreSQL cannot hold and DuckDB would', () => {
    expect(() => quoteLiteral('a\0b')).toThrow(expect.objectContaining({ code: 'ENGINE' }));
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });
});
