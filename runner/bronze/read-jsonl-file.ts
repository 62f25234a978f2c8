import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { NULL_SENTINEL } from './bronze-columns.js';
import type { ScannedMalformed } from './csv-record-scanner.js';
import type { DelimitedFileResult } from './read-delimited-file.js';

/** Text of a JSON value as bronze keeps it: strings as they are, other scalars as JSON text. */
const asText = (v: unknown): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v);

async function* lines(
  absPath: string,
  hash: { update(b: Buffer): void; size: number },
): AsyncGenerator<string> {
  const stream = createReadStream(absPath);
  stream.on('data', (b) => {
    hash.update(b as Buffer);
    hash.size += (b as Buffer).length;
  });
  yield* createInterface({ input: stream, crlfDelay: Infinity });
}

/**
 * JSON Lines: one object per line. Two passes keep memory flat: the first finds every key (so no column is
 * dropped), the second writes the staging file in the same shape as CSV ingestion.
 */
export async function readJsonlFile(
  absPath: string,
  _name: string,
  o: { delimiter: string; quote: string; stagingPath: string },
): Promise<DelimitedFileResult> {
  const keys = new Map<string, number>();
  const malformed: ScannedMalformed[] = [];
  const h = createHash('sha256');
  const counter = { update: (b: Buffer) => h.update(b), size: 0 };
  let lineNo = 0;
  let blankLines = 0;
  for await (const text of lines(absPath, counter)) {
    lineNo++;
    if (text.trim() === '') {
      blankLines++;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      malformed.push({
        kind: 'malformed',
        line: lineNo,
        reason: 'invalid_json',
        message: (e as Error).message,
        text,
      });
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      malformed.push({
        kind: 'malformed',
        line: lineNo,
        reason: 'invalid_json',
        message: 'line is not a JSON object',
        text,
      });
      continue;
    }
    for (const k of Object.keys(value)) if (!keys.has(k)) keys.set(k, keys.size);
  }
  const header = [...keys.keys()];
  const bad = new Set(malformed.map((m) => m.line));
  const q = o.quote;
  const quoteField = (v: string | null): string =>
    v === null ? NULL_SENTINEL : q + v.split(q).join(q + q) + q;
  const out: string[] = [];
  let rows = 0;
  lineNo = 0;
  const ignore = { update: () => undefined, size: 0 };
  for await (const text of lines(absPath, ignore)) {
    lineNo++;
    if (text.trim() === '' || bad.has(lineNo)) continue;
    const obj = JSON.parse(text) as Record<string, unknown>;
    out.push([String(lineNo), ...header.map((k) => quoteField(asText(obj[k])))].join(o.delimiter) + '\n');
    rows++;
  }
  await fs.writeFile(o.stagingPath, out.join(''));
  return { header, rows, malformed, blankLines, size: counter.size, sha256: h.digest('hex') };
}
