import type { PipelineRunObject } from '../core/resources.js';
import { TRIGGER_FILES_ANNOTATION } from '../trigger/decide-trigger.js';

/**
 * A file-arrival-triggered run's bronze step ingests exactly the files its trigger claimed (settled, at most
 * maxFilesPerRun), not every file the manifest lacks when the Job starts: a file still being written, or one past
 * the cap, is left to a later run. The runner takes them as `medallion run --files`.
 */

/** Key of the run's spec ConfigMap holding the claimed names, one a line, for a list too long to inline. */
export const FILES_LIST_KEY = 'trigger-files.txt';

/**
 * Inline up to this many bytes. Linux caps one argument at 128 KiB (MAX_ARG_STRLEN); maxFilesPerRun (≤ 100) of
 * 1 KiB S3 keys fit, but local paths may be 4 KiB, so longer lists go through the ConfigMap instead.
 */
export const INLINE_FILES_LIMIT = 32 * 1024;

/** The claimed file names, or undefined when the run was not triggered by files (or its annotation is not a list). */
export function claimedFiles(run: PipelineRunObject): string[] | undefined {
  const raw = run.metadata.annotations?.[TRIGGER_FILES_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const files = JSON.parse(raw) as unknown;
    return Array.isArray(files) && files.length > 0 && files.every((f) => typeof f === 'string')
      ? files
      : undefined;
  } catch {
    return undefined; // A hand-edited annotation the trigger poller also ignores: the run ingests as any other.
  }
}

/** Whether the names go through the ConfigMap: too long for one argument, or not passable as a comma list. */
export const filesNeedList = (files: readonly string[]): boolean =>
  files[0]?.startsWith('@') === true ||
  files.some((f) => f.includes(',') || f !== f.trim()) ||
  Buffer.byteLength(files.join(',')) > INLINE_FILES_LIMIT;

/** The bronze Job's `--files` arguments; `mountDir` is where the spec ConfigMap is mounted. */
export function filesArgs(files: readonly string[], mountDir: string): string[] {
  return ['--files', filesNeedList(files) ? `@${mountDir}/${FILES_LIST_KEY}` : files.join(',')];
}
