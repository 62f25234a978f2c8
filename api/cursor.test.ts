import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeCursor, encodeCursor, page } from './cursor.js';

const Key = z.tuple([z.number().int(), z.string()]);

describe('keyset cursors', () => {
  it('round-trip the key of the last row of a page, only for their own list', () => {
    const c = encodeCursor('sales', [20101201, 'abc']);
    expect(decodeCursor('sales', c, Key)).toEqual([20101201, 'abc']);
    expect(() => decodeCursor('products', c, Key)).toThrow(/not valid for this list/);
  });

  it.each([
    ['not base64 json'],
    [Buffer.from('{"a":1}').toString('base64url')],
    [encodeCursor('sales', ['x', 1])],
  ])('refuse %s with a 400 INVALID_CURSOR', (c) => {
    expect(() => decodeCursor('sales', c, Key)).toThrow(
      expect.objectContaining({ statusCode: 400, code: 'INVALID_CURSOR' }),
    );
  });

  it('give a next cursor only when a row beyond the page was fetched', () => {
    const rows = [{ k: 1 }, { k: 2 }, { k: 3 }];
    const full = page(rows, 2, (r) => [r.k, 'x'], 'l');
    expect(full.items).toEqual([{ k: 1 }, { k: 2 }]);
    expect(decodeCursor('l', full.pagination.next_cursor!, Key)).toEqual([2, 'x']);
    expect(page(rows, 3, (r) => [r.k, 'x'], 'l').pagination.next_cursor).toBeNull();
  });
});
