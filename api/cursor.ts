import { z } from 'zod';
import { ApiError } from './errors.js';

/**
 * Opaque keyset cursors: the sort key of the last row of a page, base64url JSON tagged with the list it belongs to.
 * Not a secret and not signed: a forged cursor can only move the page window, and every value is re-validated
 * and passed as a query parameter.
 */
export function encodeCursor(list: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([list, ...key])).toString('base64url');
}

/** Decodes a cursor of `list` whose key must match `key` (e.g. z.tuple([z.number(), z.string()])). */
export function decodeCursor<T extends z.ZodType>(
  list: string,
  cursor: string | undefined,
  key: T,
): z.infer<T> | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () =>
    new ApiError(
      'INVALID_CURSOR',
      'the cursor is not valid for this list',
      'Use next_cursor from the previous page.',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed[0] !== list) throw invalid();
  const checked = key.safeParse(parsed.slice(1));
  if (!checked.success) throw invalid();
  return checked.data;
}

/** Page of `limit` from `limit + 1` fetched rows: the extra row only says there is a next page. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => (string | number)[], list: string) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const next = rows.length > limit && last !== undefined ? encodeCursor(list, keyOf(last)) : null;
  return { items, pagination: { limit, next_cursor: next } };
}
