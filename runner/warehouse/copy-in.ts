import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { quoteIdent } from '../engine/sql-quote.js';

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

/**
 * COPYs CSV files a producer writes one after the other (DuckDB `COPY … TO file`), pipelined: while PostgreSQL
 * parses file i, the producer writes file i + 1, so the two overlap instead of running back to back. (A named
 * pipe between them was measured slower: both sides stall on the 64 KiB pipe buffer.) The producer in flight
 * always finishes before this returns or throws, and a COPY error wins over a producer error, so a cut
 * connection is reported as such. Returns the rows copied.
 */
export const copyPipelined = async (
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  files: readonly string[],
  produce: (index: number, file: string) => Promise<void>,
): Promise<number> => {
  let copied = 0;
  let next: Promise<void> | undefined = files[0] ? produce(0, files[0]) : undefined;
  for (const [index, file] of files.entries()) {
    await next;
    const following = files[index + 1];
    next = following ? produce(index + 1, following) : undefined;
    // Keep a failing producer from surfacing as an unhandled rejection while this COPY runs.
    next?.catch(() => undefined);
    try {
      copied += await copyCsvFile(client, table, columns, file);
    } catch (error) {
      await next?.catch(() => undefined);
      throw error;
    }
    await rm(file, { force: true });
  }
  return copied;
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
