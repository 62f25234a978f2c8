// Shared by the quoting tests on DuckDB (sql-quote.test.ts) and on PostgreSQL (test/warehouse/sql-quote.test.ts).
/** Texts that break naive quoting: quote characters, statement ends, comments, escapes, lines, non-ASCII. */
export const HOSTILE_SQL_TEXTS = [
  '',
  "'",
  '"',
  "''",
  "it's",
  'say "hi"',
  "x' OR '1'='1",
  "'; DROP TABLE t; --",
  '"; DROP TABLE t; --',
  "\\'",
  'back\\slash\\',
  '/* c */ -- d',
  'line\nbreak\r\ttab',
  '$1 $$ dollar $$',
  'ünïcödé 😀 中文',
];
