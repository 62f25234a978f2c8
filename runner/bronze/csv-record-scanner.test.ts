import { describe, expect, it } from 'vitest';
import { createScannerState, parseFields, scanCsvChunk, type ScannedRecord } from './csv-record-scanner.js';

const opts = { delimiter: ',', quote: '"', header: true };

function scan(chunks: string[], options = opts) {
  const state = createScannerState();
  const out: ScannedRecord[] = [];
  chunks.forEach((c, i) => scanCsvChunk(state, c, i === chunks.length - 1, options, (r) => out.push(r)));
  return { state, out };
}

describe('parseFields', () => {
  it('unescapes doubled quotes and keeps delimiters inside quotes', () => {
    expect(parseFields('a,"b,c","RECORD FRAME 7"" SINGLE SIZE ",', ',', '"')).toEqual([
      'a',
      'b,c',
      'RECORD FRAME 7" SINGLE SIZE ',
      '',
    ]);
  });
  it('rejects text after a closing quote and stray quotes', () => {
    expect(parseFields('"ab"c,d', ',', '"')).toBeNull();
    expect(parseFields('ab"c,d', ',', '"')).toBeNull();
    expect(parseFields('"abc,d', ',', '"')).toBeNull();
  });
});

describe('scanCsvChunk', () => {
  it('reads the header, gives physical line numbers and keeps record text as read', () => {
    const { state, out } = scan(['A,B\n1,2\n"x,y",3\n']);
    expect(state.header).toEqual(['A', 'B']);
    expect(out).toEqual([
      { kind: 'row', line: 2, text: '1,2' },
      { kind: 'row', line: 3, text: '"x,y",3' },
    ]);
  });

  it('strips a BOM and CRLF line ends', () => {
    const { state, out } = scan(['\uFEFFA,B\r\n1,2\r\n']);
    expect(state.header).toEqual(['A', 'B']);
    expect(out).toEqual([{ kind: 'row', line: 2, text: '1,2' }]);
  });

  it('quarantines ragged rows with their line and keeps going', () => {
    const { out } = scan(['A,B\n1,2,3\n4\n5,6\n']);
    expect(out.map((r) => [r.kind, r.line, r.kind === 'malformed' ? r.reason : ''])).toEqual([
      ['malformed', 2, 'ragged_row'],
      ['malformed', 3, 'ragged_row'],
      ['row', 4, ''],
    ]);
  });

  it('accepts a quoted field spanning lines and counts both lines', () => {
    const { out } = scan(['A,B\n"multi\nline",1\n2,3\n']);
    expect(out).toEqual([
      { kind: 'row', line: 2, text: '"multi\nline",1' },
      { kind: 'row', line: 4, text: '2,3' },
    ]);
  });

  it('a broken quote costs only its own line', () => {
    const { out } = scan(['A,B\n"open,1\n2,3\n4,5\n']);
    expect(out.map((r) => [r.kind, r.line])).toEqual([
      ['malformed', 2],
      ['row', 3],
      ['row', 4],
    ]);
    expect(out[0]).toMatchObject({ reason: 'broken_quote', text: '"open,1' });
  });

  it('carries an open quoted record across chunk boundaries', () => {
    const { out } = scan(['A,B\n"multi\n', 'line",1\n2,3\n']);
    expect(out).toEqual([
      { kind: 'row', line: 2, text: '"multi\nline",1' },
      { kind: 'row', line: 4, text: '2,3' },
    ]);
  });

  it('reports lines the adapter marked undecodable', () => {
    const state = createScannerState();
    state.invalidLines.add(3);
    const out: ScannedRecord[] = [];
    scanCsvChunk(state, 'A,B\n1,2\nx\uFFFD,3\n4,5', true, opts, (r) => out.push(r));
    expect(out.map((r) => [r.kind, r.line])).toEqual([
      ['row', 2],
      ['malformed', 3],
      ['row', 4],
    ]);
  });

  it('names columns by position without a header and skips blank lines', () => {
    const { state, out } = scan(['1,2\n\n3,4\n'], { ...opts, header: false });
    expect(state.header).toEqual(['column1', 'column2']);
    expect(out.map((r) => r.line)).toEqual([1, 3]);
    expect(state.blankLines).toBe(1);
  });

  it('honours another delimiter', () => {
    const { state, out } = scan(['A;B\n"x;y";2\n'], { ...opts, delimiter: ';' });
    expect(state.header).toEqual(['A', 'B']);
    expect(out).toEqual([{ kind: 'row', line: 2, text: '"x;y";2' }]);
  });
});
