import path from 'node:path';
import type { StepContext } from '../run/step-types.js';
import { isS3Uri, openStorage, parseS3Uri } from '../storage/open-storage.js';
import { listObjectSourceFiles } from './object-source-files.js';
import { listSourceFiles, resolveSourcePath, type SourceFile } from './source-files.js';

/**
 * The step's source files, local or in object storage, and the source's lineage dataset: namespace = the containing
 * directory (or bucket prefix), name = the last path segment, like the lake's datasets.
 */
export async function listSources(
  ctx: StepContext,
): Promise<{ files: SourceFile[]; namespace: string; name: string }> {
  const { spec, sourceUri, baseDir } = ctx;
  if (isS3Uri(sourceUri)) {
    const { bucket, prefix } = parseS3Uri(sourceUri);
    const storage = openStorage(`s3://${bucket}`, {
      baseDir,
      spec: spec.source.s3,
      env: ctx.objectStore,
      logger: ctx.logger,
    });
    const files = await listObjectSourceFiles(storage, sourceUri, prefix, spec.source.format);
    const slash = prefix.lastIndexOf('/');
    return {
      files,
      namespace: `s3://${bucket}${slash > 0 ? `/${prefix.slice(0, slash)}` : ''}`,
      name: prefix.slice(slash + 1),
    };
  }
  const files = await listSourceFiles(sourceUri, baseDir, spec.source.format);
  const source = resolveSourcePath(sourceUri, baseDir);
  return { files, namespace: `file://${path.dirname(source)}`, name: path.basename(source) };
}
