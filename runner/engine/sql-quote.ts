import { MedallionError } from '../errors.js';

/**
 * The one place SQL text is quoted, for DuckDB (the lake steps) and PostgreSQL (warehouse, search, API). Values go
 * in as bind parameters wherever the driver allows; these are for what cannot be bound: identifiers from the spec
 * or the catalogue, and literals in DuckDB statements (file paths, spec rules) that have no parameters.
 *
 * Both engines follow the SQL standard here: an identifier is wrapped in double quotes with `"` doubled, a literal in
 * single quotes with `'` doubled, and a backslash is an ordinary character (PostgreSQL since 9.1 with its default
 * standard_conforming_strings=on, which the warehouse never changes; DuckDB always). The one difference: PostgreSQL
 * refuses the NUL character anywhere in a statement while DuckDB accepts it in literals, so both quoters refuse NUL
 * and a statement never means different things on the two engines.
 */

const refuseNul = (text: string, what: string): string => {
  if (text.includes('\0')) {
    throw new MedallionError('ENGINE', `${what} contains a NUL character, which SQL text cannot hold`, {
      hint: 'Remove the NUL (\\0) character from the value in the spec or the file name.',
    });
  }
  return text;
};

/** `name` as an SQL identifier: case and every character kept, `"` doubled. */
export const quoteIdent = (name: string): string =>
  `"${refuseNul(name, 'an identifier').replaceAll('"', '""')}"`;

/** `value` as an SQL string literal, `'` doubled. */
export const quoteLiteral = (value: string): string =>
  `'${refuseNul(value, 'a string literal').replaceAll("'", "''")}'`;
