/** The lineage columns bronze adds to every row, in order (bronze-loader.ts writes them). */
export const LINEAGE_COLUMNS = [
  '_source_file',
  '_source_line',
  '_file_sha256',
  '_ingested_at',
  '_run_id',
  '_row_hash',
  '_malformed_reason',
  '_malformed_message',
  '_raw_record',
] as const;

/** Marks "no value" in staging files; it cannot occur in text read from a source file. */
export const NULL_SENTINEL = '\u0001\u0002NULL\u0002\u0001';

/** Makes header names unique (a repeated name gets _2, _3 ...) so every source column is kept. */
export function uniqueHeader(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((h) => {
    const name = h.trim() === '' ? 'column' : h;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}_${n}`;
  });
}
