import { SourceError } from '../errors.js';
import type { SourceFile } from './source-files.js';

/**
 * `medallion run --files`: keeps exactly the named source files (names relative to the source, as the manifest
 * records them), so a triggered run ingests the files its trigger saw settled and no file still being written.
 * A name the listing lacks fails the run before anything is read: a run that silently ingested fewer files than it
 * was asked to would leave the missing one to no one.
 */
export function selectSourceFiles(files: SourceFile[], only: readonly string[] | undefined): SourceFile[] {
  if (only === undefined) return files;
  const wanted = new Set(only);
  const listed = new Set(files.map((f) => f.name));
  const missing = [...wanted].filter((n) => !listed.has(n));
  if (missing.length > 0) {
    const shown =
      missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
    throw new SourceError(
      'SOURCE_NOT_FOUND',
      `${missing.length} file${missing.length === 1 ? '' : 's'} named by --files not in the source: ${shown}`,
      {
        file: missing[0],
        hint: 'Name files relative to the source (as `medallion inspect` and the bronze manifest show them), e.g. --files 2011-01-04.csv; check that they were not moved or deleted. Nothing was published.',
      },
    );
  }
  return files.filter((f) => wanted.has(f.name));
}
