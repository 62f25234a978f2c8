import { createSqlEngine } from '../runner/engine/sql-engine.js';
import { quoteLiteral } from '../runner/engine/sql-quote.js';
import { UsageError } from '../runner/errors.js';
import type { Layer } from '../runner/lake/lake-store.js';
import { openLake } from '../runner/lake/open-lake.js';
import { loadSpec } from '../runner/spec/load-spec.js';
import { EXIT, noteIgnoredFields, type CliIo } from './cli-io.js';
import type { CommandContext, OptionValues } from './command.js';

/** Silver tables stored by business-date partition: without rows they have no files, yet exist. */
const PARTITIONED = new Set(['sales_lines', 'quarantine', 'duplicates']);

export async function inspectCommand(
  args: OptionValues,
  deps: Pick<CommandContext, 'io' | 'config' | 'logger'>,
): Promise<number> {
  const { io, config, logger } = deps;
  if (typeof args.file !== 'string')
    throw new UsageError('missing -f FILE', 'Usage: medallion inspect -f pipeline.yaml');
  const loaded = await loadSpec(args.file);
  noteIgnoredFields(io, loaded);
  // An S3 lake stages the version it reads into the work dir, as the steps do: DuckDB reads local parquet.
  const lake = openLake(loaded, {
    lakeUri: typeof args.lake === 'string' ? args.lake : undefined,
    objectStore: config.objectStore,
    workDir: config.workDir,
    logger,
  });
  const root = lake.root;
  const layer = (args.layer ?? 'gold') as Layer;
  if (layer !== 'silver' && layer !== 'gold')
    throw new UsageError(`--layer must be silver or gold, not "${String(layer)}"`);

  if (typeof args.table !== 'string') {
    const manifest = await lake.readManifest();
    io.out(`lake ${root}`);
    io.out(
      `bronze: manifest version ${manifest.version}, ${manifest.files.length} files, ${manifest.files.reduce((s, f) => s + f.rows, 0).toLocaleString('en-GB')} rows`,
    );
    for (const l of ['silver', 'gold'] as const) {
      const current = await lake.current(l);
      const versions = await lake.versions(l);
      io.out(`${l}: ${versions.length === 0 ? 'nothing published yet' : ''}`);
      for (const v of versions) io.out(`  ${v === current?.version ? '*' : ' '} ${v}`);
    }
    return EXIT.ok;
  }
  const version =
    typeof args.version === 'string' ? await lake.version(layer, args.version) : await lake.current(layer);
  if (!version) {
    const kept = (await lake.versions(layer)).join(', ') || 'none';
    throw new UsageError(
      `no ${layer} version ${String(args.version ?? '(current)')} in ${root}`,
      `Kept versions: ${kept}.`,
    );
  }
  const limit = Number(args.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError('--limit must be a whole number');
  // Through tableFiles: a partitioned silver table is one file per business date (downloaded once from S3).
  const files = await lake.tableFiles(layer, version, args.table);
  const notFound = (): UsageError =>
    new UsageError(`table "${String(args.table)}" not found in ${layer} version ${version.version}`);
  if (files.length === 0 && !(layer === 'silver' && PARTITIONED.has(args.table))) throw notFound();
  const engine = await createSqlEngine({ memoryLimit: '512MB', tempDir: lake.tempDir(), logger });
  try {
    // A partitioned table without rows has no files at all.
    const rows =
      files.length === 0
        ? []
        : await engine
            .all(`SELECT * FROM read_parquet([${files.map(quoteLiteral).join(', ')}]) LIMIT ${limit}`)
            .catch(() => {
              throw notFound();
            });
    if (args.json) io.out(JSON.stringify(rows, null, 2));
    else printTable(io, rows);
  } finally {
    engine.close();
  }
  return EXIT.ok;
}

function printTable(io: CliIo, rows: Record<string, unknown>[]): void {
  if (rows.length === 0) return io.out('(no rows)');
  const cols = Object.keys(rows[0]!);
  const cells = rows.map((r) => cols.map((c) => (r[c] === null ? '' : String(r[c]))));
  const w = cols.map((c, i) => Math.min(40, Math.max(c.length, ...cells.map((r) => r[i]!.length))));
  const fmt = (r: string[]): string =>
    r
      .map((v, i) => v.slice(0, 40).padEnd(w[i]!))
      .join('  ')
      .trimEnd();
  io.out([fmt(cols), w.map((n) => '-'.repeat(n)).join('  '), ...cells.map(fmt)].join('\n'));
}
