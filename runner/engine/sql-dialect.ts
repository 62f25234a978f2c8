import { quoteLiteral } from './sql-quote.js';
import { MedallionError } from '../errors.js';

/**
 * What DuckDB SQL and Spark SQL spell differently, and nothing else: the SQL builders (silver-sql.ts) write each
 * rule once and ask the dialect for these pieces. A regular expression is written once in the syntax both engines
 * agree on (RE2 and java.util.regex share it for the patterns used here); `space` and `vtab` are the two classes
 * they do not agree on, spelled out per engine so that both match exactly the same characters.
 */
export interface SqlDialect {
  readonly name: 'duckdb' | 'spark';
  /** A string literal. */
  literal(value: string): string;
  /** The engine's unbounded text type. */
  readonly text: string;
  /** Regex text matching one whitespace character as RE2's `\s` does: [\t\n\f\r ]. */
  readonly space: string;
  /** Regex text matching the vertical tab (U+000B) only. */
  readonly vtab: string;
  /** True when the whole of `x` matches `pattern`. */
  regexFullMatch(x: string, pattern: string): string;
  /** True when `pattern` matches somewhere in `x`. */
  regexContains(x: string, pattern: string): string;
  /** Every match of `pattern` in `x` replaced by `replacement`. */
  regexReplaceAll(x: string, pattern: string, replacement: string): string;
  /** The leading match of `pattern` (no groups of its own) in `x`, or '' when there is none. */
  regexPrefix(x: string, pattern: string): string;
  /** `x` parsed with a strptime format (%Y %m %d %H %M %S), or NULL when it does not parse: a local timestamp. */
  tryParseTimestamp(x: string, strptimeFormat: string): string;
  /** A date as 'YYYY-MM-DD' text. */
  isoDate(date: string): string;
  /** A 64-bit hash of the expressions (NULLs allowed). */
  hash64(exprs: readonly string[]): string;
  /** The smallest struct {f, l}: ordered by f, then l. */
  minStruct(f: string, l: string): string;
  startsWith(x: string, prefixLiteral: string): string;
  /** A cast the caller has already guarded (by a regex); on Spark's ANSI mode it must not throw regardless. */
  guardedCast(x: string, type: string): string;
  /** The head of a statement that materialises a small query result as a session table: `<head> <query>`. */
  materialize(name: string): string;
  /** `*` without the named columns. */
  starExcept(columns: readonly string[]): string;
  /** The query's rows written as one Parquet dataset at `target` (a file on DuckDB, a directory on Spark). */
  writeParquet(query: string, target: string): string;
  /** A relation over a Parquet dataset written by writeParquet (or a file or glob on DuckDB). */
  readParquet(target: string): string;
  /** Whole days from date `start` to date `end`. */
  daysBetween(start: string, end: string): string;
  /** Month boundaries crossed from date `start` to date `end` (as DuckDB's date_diff('month')). */
  monthsBetween(start: string, end: string): string;
  /** The first day of the date's month, as a DATE. */
  monthStart(date: string): string;
  /** The date `days` days after date `date` (a date or a timestamp: callers cast it to DATE). */
  addDays(date: string, days: number): string;
  /** `value` of the row with the smallest (keys…), compared in order. */
  argMin(value: string, keys: readonly string[]): string;
}

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  literal: quoteLiteral,
  text: 'VARCHAR',
  space: '\\s',
  vtab: '\\v',
  regexFullMatch: (x, p) => `regexp_full_match(${x}, ${quoteLiteral(p)})`,
  regexContains: (x, p) => `regexp_matches(${x}, ${quoteLiteral(p)})`,
  regexReplaceAll: (x, p, r) => `regexp_replace(${x}, ${quoteLiteral(p)}, ${quoteLiteral(r)}, 'g')`,
  regexPrefix: (x, p) => `regexp_extract(${x}, ${quoteLiteral(`^${p}`)})`,
  tryParseTimestamp: (x, f) => `try_strptime(${x}, ${quoteLiteral(f)})`,
  isoDate: (d) => `strftime(${d}, '%Y-%m-%d')`,
  hash64: (e) => `hash(${e.join(', ')})`,
  minStruct: (f, l) => `min({'f': ${f}, 'l': ${l}})`,
  startsWith: (x, p) => `starts_with(${x}, ${p})`,
  guardedCast: (x, t) => `CAST(${x} AS ${t})`,
  materialize: (name) => `CREATE OR REPLACE TEMP TABLE ${name} AS`,
  starExcept: (c) => `* EXCLUDE (${c.join(', ')})`,
  writeParquet: (q, target) => `COPY (${q}) TO ${quoteLiteral(target)} (FORMAT parquet, COMPRESSION zstd)`,
  readParquet: (target) => `read_parquet(${quoteLiteral(target)})`,
  daysBetween: (a, b) => `date_diff('day', ${a}, ${b})`,
  monthsBetween: (a, b) => `date_diff('month', ${a}, ${b})`,
  monthStart: (x) => `CAST(date_trunc('month', ${x}) AS DATE)`,
  addDays: (x, n) => `${x} + INTERVAL ${n} DAY`,
  argMin: (v, k) => `arg_min(${v}, (${k.join(', ')}))`,
};

/** Spark SQL string literals take backslash escapes (spark.sql.parser.escapedStringLiterals stays false). */
const sparkLiteral = (value: string): string => {
  if (value.includes('\0'))
    throw new MedallionError(
      'ENGINE',
      'a string literal contains a NUL character, which SQL text cannot hold',
      {
        hint: 'Remove the NUL (\\0) character from the value in the spec or the file name.',
      },
    );
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
};

/** strptime directives → java.time pattern letters; single letters parse one or two digits, as strptime does. */
const JAVA_PATTERN: Record<string, string> = {
  Y: 'yyyy',
  m: 'M',
  d: 'd',
  H: 'H',
  M: 'm',
  S: 's',
  '%': "'%'",
};

export function strptimeToJava(format: string): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '%') {
      const java = JAVA_PATTERN[format[++i] ?? ''];
      if (!java)
        throw new MedallionError(
          'SPEC_INVALID',
          `timestampFormat directive %${format[i]} has no Spark equivalent`,
          {
            hint: 'With engine.type spark, use %Y %m %d %H %M %S and literal characters.',
          },
        );
      out += java;
    } else out += /[A-Za-z]/.test(c) ? `'${c}'` : c === "'" ? "''" : c;
  }
  return out;
}

export const sparkDialect: SqlDialect = {
  name: 'spark',
  literal: sparkLiteral,
  text: 'STRING',
  space: '[\\t\\n\\f\\r ]',
  vtab: '\\x0B',
  // \z: java's $ would also match before a final line break.
  regexFullMatch: (x, p) => `(${x} RLIKE ${sparkLiteral(`^(?:${p})\\z`)})`,
  regexContains: (x, p) => `(${x} RLIKE ${sparkLiteral(p)})`,
  regexReplaceAll: (x, p, r) => `regexp_replace(${x}, ${sparkLiteral(p)}, ${sparkLiteral(r)})`,
  regexPrefix: (x, p) => `regexp_extract(${x}, ${sparkLiteral(`^(${p})`)}, 1)`,
  tryParseTimestamp: (x, f) => `try_to_timestamp(${x}, ${sparkLiteral(strptimeToJava(f))})`,
  isoDate: (d) => `date_format(${d}, 'yyyy-MM-dd')`,
  hash64: (e) => `xxhash64(${e.join(', ')})`,
  minStruct: (f, l) => `min(named_struct('f', ${f}, 'l', ${l}))`,
  startsWith: (x, p) => `startswith(${x}, ${p})`,
  guardedCast: (x, t) => `try_cast(${x} AS ${t})`,
  // Cached: Spark then knows the table's real size and broadcasts it to the join instead of sorting every row.
  materialize: (name) => `CACHE TABLE ${name} AS`,
  starExcept: (c) => `* EXCEPT (${c.join(', ')})`,
  writeParquet: (q, target) =>
    `INSERT OVERWRITE DIRECTORY ${sparkLiteral(target)} USING parquet OPTIONS (compression 'zstd') SELECT * FROM (${q})`,
  readParquet: (target) => `parquet.\`${target.replaceAll('`', '``')}\``,
  daysBetween: (a, b) => `datediff(${b}, ${a})`,
  monthsBetween: (a, b) => `((year(${b}) - year(${a})) * 12 + month(${b}) - month(${a}))`,
  monthStart: (x) => `trunc(${x}, 'MM')`,
  addDays: (x, n) => `date_add(${x}, ${n})`,
  // Structs compare field by field, as DuckDB's row values do; DuckDB's arg_min skips rows whose value is NULL, and
  // min_by skips rows whose ordering is NULL.
  argMin: (v, k) => `min_by(${v}, CASE WHEN ${v} IS NOT NULL THEN struct(${k.join(', ')}) END)`,
};
