import { DEFAULT_GC_GRACE_MS, collectLakeGarbage, type Orphan } from '../runner/lake/lake-gc.js';
import { openLake } from '../runner/lake/open-lake.js';
import { UsageError } from '../runner/errors.js';
import { loadSpec } from '../runner/spec/load-spec.js';
import { EXIT, noteIgnoredFields } from './cli-io.js';
import type { CommandContext, OptionValues } from './command.js';
import { parseDuration } from './token-command.js';

/** `medallion lake gc`: lists (or with --apply deletes) what no commit references, older than the grace period. */
export async function lakeGcCommand(
  args: OptionValues,
  deps: Pick<CommandContext, 'io' | 'config' | 'logger'>,
): Promise<number> {
  const { io, config, logger } = deps;
  if (typeof args.file !== 'string')
    throw new UsageError('missing -f FILE', 'Usage: medallion lake gc -f pipeline.yaml [--apply]');
  // 0 is allowed here (unlike a token TTL): an operator who knows no run is in flight may collect everything.
  const graceMs =
    typeof args.grace !== 'string'
      ? DEFAULT_GC_GRACE_MS
      : /^0+[smhd]?$/.test(args.grace.trim())
        ? 0
        : parseDuration(args.grace, '--grace') * 1000;
  const loaded = await loadSpec(args.file);
  noteIgnoredFields(io, loaded);
  const lake = openLake(loaded, {
    lakeUri: typeof args.lake === 'string' ? args.lake : undefined,
    objectStore: config.objectStore,
    workDir: config.workDir,
    logger,
  });
  const apply = args.apply === true;
  io.err(`${apply ? 'collecting' : 'looking for'} garbage in ${lake.root} (grace ${formatAge(graceMs)})`);
  const report = await collectLakeGarbage(lake, {
    dryRun: !apply,
    graceMs,
    retain: loaded.pipeline.spec.lake.retainVersions,
  });
  if (report.orphans.length === 0) {
    io.out(`nothing to collect: every object older than ${formatAge(graceMs)} is referenced by a commit`);
    return EXIT.ok;
  }
  printOrphans(io.out, report.orphans);
  const total = formatBytes(report.orphans.reduce((s, o) => s + o.bytes, 0));
  io.out(
    apply
      ? `deleted ${report.orphans.length} orphans, ${formatBytes(report.deletedBytes)}`
      : `would delete ${report.orphans.length} orphans, ${total} (dry run: nothing deleted; add --apply to delete)`,
  );
  return EXIT.ok;
}

function printOrphans(out: (t: string) => void, orphans: Orphan[]): void {
  const rows = orphans.map((o) => [o.kind, o.location, formatBytes(o.bytes), formatAge(o.ageMs)]);
  const head = ['KIND', 'LOCATION', 'SIZE', 'AGE'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows])
    out(
      r
        .map((c, i) => c.padEnd(w[i]!))
        .join('  ')
        .trimEnd(),
    );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 2 * 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
