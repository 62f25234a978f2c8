import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { SourceError } from '../errors.js';
import type { BronzeManifest } from '../lake/lake-store.js';
import { sha256Object } from './object-source-files.js';
import type { SourceFile } from './source-files.js';

interface IngestionPlan {
  toIngest: SourceFile[];
  unchanged: SourceFile[];
  /** Already ingested paths whose content changed (only when re-ingesting is allowed). */
  changed: SourceFile[];
}

export async function sha256File(absPath: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(absPath, { highWaterMark: 1 << 22 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Decides what bronze reads: new paths are ingested, identical ones skipped. A known path with new content is
 * rejected (all such files are named at once) unless the spec allows re-ingesting it.
 */
export async function planIngestion(
  files: SourceFile[],
  manifest: BronzeManifest,
  onChangedFile: 'reject' | 'reingest',
): Promise<IngestionPlan> {
  const known = new Map(manifest.files.map((e) => [e.file, e]));
  const plan: IngestionPlan = { toIngest: [], unchanged: [], changed: [] };
  const conflicts: string[] = [];
  for (const f of files) {
    const entry = known.get(f.name);
    if (!entry) {
      plan.toIngest.push(f);
      continue;
    }
    // An object whose ETag and size are those ingested is unchanged without reading it again.
    if (f.remote && entry.etag === f.remote.etag && entry.size === f.remote.size) {
      plan.unchanged.push(f);
      continue;
    }
    // A local file with the size and modification time it had when it was read is unchanged too (as make and
    // rsync decide); a file rewritten with the same size keeps its old mtime only if a tool forces it back.
    if (!f.remote && entry.mtimeMs !== undefined) {
      const now = await fs.stat(f.absPath);
      if (now.size === entry.size && now.mtimeMs === entry.mtimeMs) {
        plan.unchanged.push(f);
        continue;
      }
    }
    const sha = f.remote ? await sha256Object(f) : await sha256File(f.absPath);
    if (sha === entry.sha256) {
      plan.unchanged.push(f);
    } else if (onChangedFile === 'reingest') {
      plan.toIngest.push(f);
      plan.changed.push(f);
    } else {
      conflicts.push(
        `${f.name} (ingested by run ${entry.runId} with sha256 ${entry.sha256.slice(0, 12)}…, now ${sha.slice(0, 12)}…)`,
      );
    }
  }
  if (conflicts.length > 0) {
    throw new SourceError(
      'SOURCE_CHANGED',
      `${conflicts.length} already ingested file${conflicts.length === 1 ? ' has' : 's have'} changed: ${conflicts.join('; ')}`,
      {
        file: conflicts[0],
        hint: 'Restore the original content, give corrected data a new file name, or set spec.source.onChangedFile: reingest to replace the old rows.',
      },
    );
  }
  return plan;
}
