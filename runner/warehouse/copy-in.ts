import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { quoteIdent } from './pg-types.js';

const copySql = (table: string, columns: readonly string[]): string =>
  `COPY ${table} (${columns.map(quoteIdent).join(', ')}) FROM STDIN WITH (FORMAT csv)`;

/** Streams a headerless CSV file into a table with COPY FROM STDIN; returns the rows copied. */
export const copyCsvFile = async (
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  file: string,
): Promise<number> => {
  const stream = client.query(copyFrom(copySql(table, columns)));
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), stream);
  return stream.rowCount;
};

const csvField = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return `"${text.replaceAll('"', '""')}"`;
};

/** COPYs in-memory rows (small tables such as dim_date). */
export const copyRows = async (
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<number> => {
  const stream = client.query(copyFrom(copySql(table, columns)));
  const text = rows.map((row) => row.map(csvField).join(',')).join('\n') + (rows.length ? '\n' : '');
  await pipeline(Readable.from([text]), stream);
  return stream.rowCount;
};

/** Streams a query's rows out of PostgreSQL into a headerless CSV file with COPY TO STDOUT. */
export const copyQueryToFile = async (
  client: pg.PoolClient,
  selectSql: string,
  file: string,
): Promise<number> => {
  const stream = client.query(copyTo(`COPY (${selectSql}) TO STDOUT WITH (FORMAT csv)`));
  await pipeline(stream, createWriteStream(file));
  return stream.rowCount;
};
