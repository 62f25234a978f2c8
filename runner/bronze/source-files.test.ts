import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../errors.js';
import { listSourceFiles, nodeSourceFs, type SourceFs } from './source-files.js';

/** An errno error as node:fs raises it. */
const errno = (code: string, syscall: string, p: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: failing ${syscall} '${p}'`), { code, syscall, path: p });

/** The real file system, except that `fail` names paths whose `syscall` raises `code`. */
const failing = (fail: Record<string, { syscall: keyof SourceFs; code: string }>): SourceFs => {
  const check = (syscall: keyof SourceFs, p: string): void => {
    const f = fail[p];
    if (f && f.syscall === syscall) throw errno(f.code, syscall, p);
  };
  return {
    readdir: async (d) => (check('readdir', d), nodeSourceFs.readdir(d)),
    stat: async (p) => (check('stat', p), nodeSourceFs.stat(p)),
    access: async (p) => (check('access', p), nodeSourceFs.access(p)),
  };
};

const caught = async (p: Promise<unknown>): Promise<SourceError> => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    return e as SourceError;
  }
  throw new Error('expected the listing to fail');
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-source-files-'));
  fs.mkdirSync(path.join(dir, 'days', '2011'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'days', 'a.csv'), 'x\n');
  fs.writeFileSync(path.join(dir, 'days', '2011', 'b.csv'), 'x\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('listSourceFiles', () => {
  it('lists a directory, a glob and a file', async () => {
    const names = async (uri: string) => (await listSourceFiles(uri, dir, 'csv')).map((f) => f.name);
    expect(await names('days')).toEqual(['2011/b.csv', 'a.csv']);
    expect(await names('days/**/*.csv')).toEqual(['2011/b.csv', 'a.csv']);
    expect(await names('days/a.csv')).toEqual(['a.csv']);
  });

  it('still reads a missing path as SOURCE_NOT_FOUND, and a glob over a missing directory as no files', async () => {
    expect((await caught(listSourceFiles('nope', dir, 'csv'))).code).toBe('SOURCE_NOT_FOUND');
    expect(await listSourceFiles('nope/*.csv', dir, 'csv')).toEqual([]);
  });

  it.each([
    ['EACCES', /lacks permission/],
    ['EIO', /I\/O error/],
    ['ELOOP', /unexpected file-system error/],
  ])('surfaces %s from stat as SOURCE_UNREADABLE, naming the path', async (code, hint) => {
    const p = path.join(dir, 'days');
    const e = await caught(listSourceFiles('days', dir, 'csv', failing({ [p]: { syscall: 'stat', code } })));
    expect(e.code).toBe('SOURCE_UNREADABLE');
    expect(e.message).toContain(p);
    expect(e.message).toContain(code);
    expect(e.hint).toMatch(hint);
    expect(e.file).toBe(p);
  });

  it.each(['days', 'days/**/*.csv'])('surfaces EACCES listing a subdirectory of %s', async (uri) => {
    const p = path.join(dir, 'days', '2011');
    const e = await caught(
      listSourceFiles(uri, dir, 'csv', failing({ [p]: { syscall: 'readdir', code: 'EACCES' } })),
    );
    expect(e).toMatchObject({ code: 'SOURCE_UNREADABLE', file: p });
    expect(e.message).toMatch(/EACCES/);
  });

  it('surfaces EIO listing the root of a glob instead of finding no files', async () => {
    const p = path.join(dir, 'days');
    const e = await caught(
      listSourceFiles('days/*.csv', dir, 'csv', failing({ [p]: { syscall: 'readdir', code: 'EIO' } })),
    );
    expect(e).toMatchObject({ code: 'SOURCE_UNREADABLE', file: p });
  });

  it('surfaces a listed file that cannot be opened', async () => {
    const p = path.join(dir, 'days', 'a.csv');
    const e = await caught(
      listSourceFiles('days', dir, 'csv', failing({ [p]: { syscall: 'access', code: 'EACCES' } })),
    );
    expect(e).toMatchObject({ code: 'SOURCE_UNREADABLE', file: p });
  });
});
