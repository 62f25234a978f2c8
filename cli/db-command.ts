import type { Logger } from '../runner/logger.js';
import { UsageError } from '../runner/errors.js';
import { loadSpec } from '../runner/spec/load-spec.js';
import { WarehouseSpecSchema } from '../runner/spec/warehouse-spec.js';
import { migrateWarehouse, openWarehouseConnection } from '../runner/warehouse/index.js';
import { EXIT, type CliIo } from './cli-io.js';
import { DB_HELP } from './help-text.js';

/**
 * `medallion db migrate -f FILE` applies pending warehouse migrations (the warehouse step also does);
 * `medallion db start -f FILE` serves the warehouse for psql and BI tools until Ctrl-C.
 */
export async function dbCommand(
  sub: string | undefined,
  args: Record<string, string | boolean | undefined>,
  deps: { io: CliIo; logger: Logger },
): Promise<number> {
  if (args.help || !sub) {
    deps.io.out(DB_HELP);
    return args.help ? EXIT.ok : EXIT.usage;
  }
  if (sub !== 'migrate' && sub !== 'start') {
    throw new UsageError(`unknown db command "${sub}"`, 'Usage: medallion db migrate|start -f pipeline.yaml');
  }
  if (typeof args.file !== 'string') {
    throw new UsageError('missing -f FILE', `Usage: medallion db ${sub} -f pipeline.yaml`);
  }
  const { pipeline, baseDir } = await loadSpec(args.file);
  if (sub === 'start') {
    // The embedded server stops with each run; this brings it back (or checks a configured one) for browsing.
    const spec = WarehouseSpecSchema.parse(pipeline.spec.warehouse ?? {});
    const conn = await openWarehouseConnection({ spec, env: deps.io.env, baseDir, logger: deps.logger });
    deps.io.out(`warehouse ${conn.embedded ? '(embedded) ' : ''}ready; connect with:\n  ${conn.psqlCommand}`);
    deps.io.out('Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await conn.close();
    return EXIT.ok;
  }
  const r = await migrateWarehouse({
    warehouse: pipeline.spec.warehouse,
    env: deps.io.env,
    baseDir,
    logger: deps.logger,
  });
  deps.io.out(
    r.applied.length === 0
      ? `${r.target}: schema ${r.schema} is up to date (version ${r.currentVersion})`
      : `${r.target}: applied ${r.applied.join(', ')} to schema ${r.schema} (now version ${r.currentVersion})`,
  );
  return EXIT.ok;
}
