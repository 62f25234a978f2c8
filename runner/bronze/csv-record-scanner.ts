/**
 * A streaming, quote-aware CSV record scanner. It does not build field arrays for ordinary rows: it only
 * validates each record (field count, quoting) and hands back the record's raw text with its physical line
 * number, because the SQL engine re-parses the validated text far faster than JavaScript could materialise it.
 * Pure: strings in, records out; the file adapter owns bytes, decoding and I/O.
 */

type MalformedReason = 'ragged_row' | 'broken_quote' | 'invalid_encoding' | 'invalid_json';

interface ScannedRow {
  kind: 'row';
  line: number;
  /** The record exactly as read (line terminator removed), valid CSV with the same delimiter and quote. */
  text: string;
}

export interface ScannedMalformed {
  kind: 'malformed';
  line: number;
  reason: MalformedReason;
  message: string;
  text: string;
}

export type ScannedRecord = ScannedRow | ScannedMalformed;

export interface ScannerOptions {
  delimiter: string;
  quote: string;
  header: boolean;
}

/** Splits one record into fields, unescaping doubled quotes. Returns null when the quoting is broken. */
export function parseFields(text: string, delimiter: string, quote: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text[i] === quote) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf(quote, j);
        if (q < 0) return null;
        value += text.slice(j, q);
        if (text[q + 1] === quote) {
          value += quote;
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === n) return fields;
      if (text[i] !== delimiter) return null;
      i += 1;
    } else {
      const d = text.indexOf(delimiter, i);
      const end = d < 0 ? n : d;
      const value = text.slice(i, end);
      // A quote inside an unquoted field is ambiguous (RFC 4180 forbids it); treat the record as broken.
      if (value.includes(quote)) return null;
      fields.push(value);
      if (d < 0) return fields;
      i = d + 1;
    }
  }
}

function countUnquotedFields(text: string, delimiter: string): number {
  let count = 1;
  let i = text.indexOf(delimiter);
  while (i >= 0) {
    count += 1;
    i = text.indexOf(delimiter, i + 1);
  }
  return count;
}

interface CsvScannerState {
  header: string[] | undefined;
  /** Physical line number of the first line of `pending`. */
  nextLine: number;
  /** Text carried over from the previous chunk: a record whose closing quote has not been seen yet. */
  pending: string;
  /** Lines whose bytes could not be decoded; the adapter marks them and the scanner reports them. */
  invalidLines: Set<number>;
  blankLines: number;
}

export function createScannerState(): CsvScannerState {
  return { header: undefined, nextLine: 1, pending: '', invalidLines: new Set(), blankLines: 0 };
}

const stripCr = (s: string): string => (s.endsWith('\r') ? s.slice(0, -1) : s);

/**
 * Scans `chunk` (whole lines, each ending in "\n" unless `final`) and calls `emit` for every record.
 * A quoted record still open at the end of a non-final chunk is carried in `state.pending`.
 * Broken quoting only ever costs the line it starts on: scanning resumes on the next physical line.
 */
export function scanCsvChunk(
  state: CsvScannerState,
  chunk: string,
  final: boolean,
  options: ScannerOptions,
  emit: (record: ScannedRecord) => void,
): void {
  const { delimiter, quote } = options;
  let s = state.pending + chunk;
  if (state.nextLine === 1 && state.header === undefined && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  let pos = 0;
  let line = state.nextLine;
  const n = s.length;
  while (pos < n) {
    const nl = s.indexOf('\n', pos);
    if (nl < 0 && !final) break; // defensive: the adapter only hands over whole lines
    const end = nl < 0 ? n : nl;
    const lineText = stripCr(s.slice(pos, end));
    if (state.invalidLines.has(line)) {
      emit({
        kind: 'malformed',
        line,
        reason: 'invalid_encoding',
        message: 'bytes are not valid UTF-8',
        text: lineText,
      });
      state.invalidLines.delete(line);
      pos = end + 1;
      line += 1;
      continue;
    }
    if (lineText.length === 0) {
      state.blankLines += 1;
      pos = end + 1;
      line += 1;
      continue;
    }
    let recordText = lineText;
    let recordEnd = end;
    let spanned = 0;
    if (lineText.includes(quote)) {
      // The record may continue over further lines while a quoted field is open.
      let fields = parseFields(recordText, delimiter, quote);
      while (fields === null && isQuoteOpen(recordText, quote)) {
        if (recordEnd >= n && final) break;
        const next = s.indexOf('\n', recordEnd + 1);
        if (recordEnd >= n || (next < 0 && !final)) {
          // Not enough text yet: carry the record (from its first line) to the next chunk.
          state.pending = s.slice(pos);
          state.nextLine = line;
          return;
        }
        const nextEnd = next < 0 ? n : next;
        recordText = recordText + '\n' + stripCr(s.slice(recordEnd + 1, nextEnd));
        recordEnd = nextEnd;
        spanned += 1;
        fields = parseFields(recordText, delimiter, quote);
        if (spanned > 1000) break;
      }
      const expected = state.header?.length;
      if (fields === null || (spanned > 0 && expected !== undefined && fields.length !== expected)) {
        emit({
          kind: 'malformed',
          line,
          reason: 'broken_quote',
          message: 'a quoted field is not closed or is followed by other characters',
          text: lineText,
        });
        pos = end + 1;
        line += 1;
        continue;
      }
      handleFields(state, options, fields.length, fields, line, recordText, emit);
    } else {
      handleFields(state, options, countUnquotedFields(lineText, delimiter), undefined, line, lineText, emit);
    }
    pos = recordEnd + 1;
    line += 1 + spanned;
  }
  state.pending = '';
  state.nextLine = line;
}

function isQuoteOpen(text: string, quote: string): boolean {
  let count = 0;
  let i = text.indexOf(quote);
  while (i >= 0) {
    count += 1;
    i = text.indexOf(quote, i + 1);
  }
  return count % 2 === 1;
}

function handleFields(
  state: CsvScannerState,
  options: ScannerOptions,
  fieldCount: number,
  fields: string[] | undefined,
  line: number,
  text: string,
  emit: (record: ScannedRecord) => void,
): void {
  if (state.header === undefined) {
    if (options.header) {
      state.header = fields ?? text.split(options.delimiter);
      return;
    }
    state.header = Array.from({ length: fieldCount }, (_, i) => `column${i + 1}`);
  }
  if (fieldCount !== state.header.length) {
    emit({
      kind: 'malformed',
      line,
      reason: 'ragged_row',
      message: `${fieldCount} fields, expected ${state.header.length}`,
      text,
    });
    return;
  }
  emit({ kind: 'row', line, text });
}
