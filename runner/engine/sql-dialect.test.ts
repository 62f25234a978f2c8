import { describe, expect, it } from 'vitest';
import { duckdbDialect, sparkDialect, strptimeToJava } from './sql-dialect.js';

describe('SQL dialects', () => {
  it('strptime formats become java.time patterns that parse one or two digits like strptime', () => {
    expect(strptimeToJava('%Y-%m-%d %H:%M:%S')).toBe('yyyy-M-d H:m:s');
    expect(strptimeToJava('%m/%d/%Y %H:%M')).toBe('M/d/yyyy H:m');
    expect(strptimeToJava("%d.%m.%YT%H'h")).toBe("d.M.yyyy'T'H'''h'");
    expect(() => strptimeToJava('%b %d')).toThrow(/%b has no Spark equivalent/);
  });

  it('literals: SQL-standard on DuckDB, backslash escapes on Spark; NUL refused by both', () => {
    expect(duckdbDialect.literal(`it's a\\b`)).toBe(`'it''s a\\b'`);
    expect(sparkDialect.literal(`it's a\\b`)).toBe(`'it\\'s a\\\\b'`);
    expect(() => sparkDialect.literal('a\0b')).toThrow(/NUL/);
  });

  it('a full regex match is anchored at both ends on Spark (\\z: no final line break slips through)', () => {
    expect(duckdbDialect.regexFullMatch('x', '[0-9]+')).toBe(`regexp_full_match(x, '[0-9]+')`);
    expect(sparkDialect.regexFullMatch('x', '[0-9]+')).toBe(`(x RLIKE '^(?:[0-9]+)\\\\z')`);
  });

  it('the whitespace classes are spelled so that both engines match the same characters', () => {
    expect(duckdbDialect.space).toBe('\\s');
    expect(sparkDialect.space).toBe('[\\t\\n\\f\\r ]');
    expect(sparkDialect.vtab).toBe('\\x0B');
  });
});
