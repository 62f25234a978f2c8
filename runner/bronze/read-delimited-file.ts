import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { createGunzip } from 'node:zlib';
import { SourceError } from '../errors.js';
import {
  createScannerState,
  scanCsvChunk,
  type ScannedMalformed,
  type ScannerOptions,
} from './csv-record-scanner.js';

export interface DelimitedFileResult {
  header: string[];
  rows: number;
  malformed: ScannedMalformed[];
  blankLines: number;
  size: number;
  sha256: string;
}

interface ReadDelimitedOptions extends ScannerOptions {
  encoding: 'utf-8' | 'latin-1';
  gzip: boolean;
  /** Where validated records go, one per line as `<line><delimiter><record as read>`. */
  stagingPath: string;
}

/** Buffered line writer that respects back-pressure. */
class StagingWriter {
  private parts: string[] = [];
  private bytes = 0;
  constructor(private readonly out: WriteStream) {}
  push(s: string): void {
    this.parts.push(s);
    this.bytes += s.length;
  }
  get full(): boolean {
    return this.bytes > 1 << 20;
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const ok = this.out.write(this.parts.join(''));
    this.parts = [];
    this.bytes = 0;
    if (!ok) await once(this.out, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
  }
}

const countNewlines = (s: string): number => {
  let c = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) c++;
  return c;
};

/**
 * Streams a CSV (or gzipped CSV) file: checksums the stored bytes, decodes, validates each record and writes
 * the valid ones to a staging file for the SQL engine. Malformed records come back with their line numbers.
 */
export async function readDelimitedFile(
  absPath: string,
  name: string,
  o: ReadDelimitedOptions,
): Promise<DelimitedFileResult> {
  const hash = createHash('sha256');
  let size = 0;
  const raw = createReadStream(absPath, { highWaterMark: 1 << 22 });
  const countRaw = (b: Buffer): void => {
    hash.update(b);
    size += b.length;
  };
  // With gzip the stored (compressed) bytes are checksummed as they flow into the decompressor.
  const input = o.gzip ? raw.pipe(createGunzip()) : raw;
  if (o.gzip) {
    raw.on('data', (b) => countRaw(b as Buffer));
    raw.on('error', (e) => input.destroy(e));
  }

  const writer = new StagingWriter(createWriteStream(o.stagingPath));
  const state = createScannerState();
  const malformed: ScannedMalformed[] = [];
  const invalidRaw = new Map<number, string>();
  let rows = 0;
  const emit = (r: Parameters<Parameters<typeof scanCsvChunk>[4]>[0]): void => {
    if (r.kind === 'row') {
      rows++;
      writer.push(`${r.line}${o.delimiter}${r.text}\n`);
    } else {
      const rawB64 = invalidRaw.get(r.line);
      malformed.push(rawB64 === undefined ? r : { ...r, text: `base64:${rawB64}` });
    }
  };

  const decode = (bytes: Buffer): string => {
    if (o.encoding === 'latin-1') return bytes.toString('latin1');
    if (isUtf8(bytes)) return bytes.toString('utf8');
    // Rare path: find the undecodable lines so that only they are quarantined.
    let line = state.nextLine + countNewlines(state.pending);
    let start = 0;
    while (start < bytes.length) {
      let nl = bytes.indexOf(10, start);
      if (nl < 0) nl = bytes.length;
      const lineBytes = bytes.subarray(start, nl);
      if (!isUtf8(lineBytes)) {
        state.invalidLines.add(line);
        invalidRaw.set(line, lineBytes.toString('base64'));
      }
      start = nl + 1;
      line++;
    }
    return bytes.toString('utf8');
  };

  let carry: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of input) {
      if (!o.gzip) countRaw(chunk as Buffer);
      const buf = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      const lastNl = buf.lastIndexOf(10);
      if (lastNl < 0) {
        carry = buf;
        continue;
      }
      carry = Buffer.from(buf.subarray(lastNl + 1));
      scanCsvChunk(state, decode(buf.subarray(0, lastNl + 1)), false, o, emit);
      if (writer.full) await writer.flush();
    }
    scanCsvChunk(state, decode(carry), true, o, emit);
    await writer.close();
  } catch (cause) {
    await writer.close().catch(() => undefined);
    const gz =
      o.gzip && /header|gzip|unexpected end|incorrect|invalid/i.test(String((cause as Error).message));
    throw new SourceError('SOURCE_UNREADABLE', `cannot read ${name}: ${(cause as Error).message}`, {
      file: name,
      cause,
      hint: gz
        ? 'The file is not valid gzip (truncated or corrupt). Replace it, or move it out of the source, and run again.'
        : 'Check that the file is readable and complete, then run again.',
    });
  }
  if (state.header === undefined) {
    return { header: [], rows: 0, malformed, blankLines: state.blankLines, size, sha256: hash.digest('hex') };
  }
  return {
    header: state.header,
    rows,
    malformed,
    blankLines: state.blankLines,
    size,
    sha256: hash.digest('hex'),
  };
}
