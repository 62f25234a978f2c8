import { describe, expect, it } from 'vitest';
import { isMedallionError } from '../errors.js';
import { selectSourceFiles } from './select-source-files.js';
import type { SourceFile } from './source-files.js';

const listed: SourceFile[] = ['2011/a.csv', 'b.csv', 'c.csv'].map((name) => ({
  absPath: `/src/${name}`,
  name,
}));

describe('selectSourceFiles', () => {
  it('keeps every file when no selection is given', () => {
    expect(selectSourceFiles(listed, undefined)).toBe(listed);
  });

  it('keeps exactly the named files, by their name relative to the source, in listing order', () => {
    expect(selectSourceFiles(listed, ['c.csv', '2011/a.csv']).map((f) => f.name)).toEqual([
      '2011/a.csv',
      'c.csv',
    ]);
    expect(selectSourceFiles(listed, [])).toEqual([]);
  });

  it('fails with SOURCE_NOT_FOUND and a hint when a named file is not in the source', () => {
    let caught: unknown;
    try {
      selectSourceFiles(listed, ['b.csv', 'a.csv', 'gone.csv']);
    } catch (e) {
      caught = e;
    }
    expect(isMedallionError(caught)).toBe(true);
    const err = caught as { code: string; message: string; hint?: string };
    expect(err.code).toBe('SOURCE_NOT_FOUND');
    expect(err.message).toContain('2 files named by --files not in the source: a.csv, gone.csv');
    expect(err.hint).toMatch(/relative to the source/);
  });
});
