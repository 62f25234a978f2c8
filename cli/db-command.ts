import { UsageError } from '../runner/errors.js';
import { loadSpec } from '../runner/spec/load-spec.js';
import { WarehouseSpecSchema } from '../runner/spec/warehouse-spec.js';
import { migrateWarehouse, openWarehouseConnection } from '../runner/warehouse/index.js';
import { EXIT, noteIgnoredFields, type CliIo } from './cli-io.js';
import type { CommandContext, OptionValues } from './command.js';

function specFile(values: OptionValues, sub: string): string {
  if (typeof values.file !== 'string') {
    throw new UsageError('missing -f FILE', `Usage: medallion db ${sub} -f pipeline.yaml`);
  }
  return values.file;
}

async function loadManifest(io: CliIo, file: string): ReturnType<typeof loadSpec> {
  const loaded = await loadSpec(file);
  noteIgnoredFields(io, loaded);
  return loaded;
}

/** `medallion db start -f FILE` serves the warehouse for psql and BI tools until Ctrl-C. */
export async function dbStart(values: OptionValues, { io, logger }: CommandContext): Promise<number> {
  const { pipeline, baseDir } = await loadManifest(io, specFile(values, 'start'));
  // The embedded server stops with each run; this brings it back (or checks a configured one) for browsing.
  const spec = WarehouseSpecSchema.parse(pipeline.spec.warehouse ?? {});
  const conn = await openWarehouseConnection({ spec, env: io.env, baseDir, logger });
  io.out(`warehouse ${conn.embedded ? '(embedded) ' : ''}ready; connect with:\n  ${conn.psqlCommand}`);
  io.out('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await conn.close();
  return EXIT.ok;
}

/** `medallion db migrate -f FILE` applies pending warehouse migrations (the warehouse step also does). */
export async function dbMigrate(values: OptionValues, { io, logger }: CommandContext): Promise<number> {
  const { pipeline, baseDir } = await loadManifest(io, specFile(values, 'migrate'));
  const r = await migrateWarehouse({ warehouse: pipeline.spec.warehouse, env: io.env, baseDir, logger });
  io.out(
    r.applied.length === 0
      ? `${r.target}: schema ${r.schema} is up to date (version ${r.currentVersion})`
      : `${r.target}: applied ${r.applied.join(', ')} to schema ${r.schema} (now version ${r.currentVersion})`,
  );
  return EXIT.ok;
}
