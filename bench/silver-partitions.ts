/**
 * Day vs month partitions for silver (ADR 0021), on the real Online Retail data: the silver step's time for the
 * newest day with day partitions (recompute one day), against recomputing the newest month (what a month partition
 * must do when one day arrives), both on top of the rest of the history, side by side in one run.
 * Run: npx tsx bench/silver-partitions.ts (results in docs/adr/0021-partitioned-silver-by-business-day.md)
 */
import fs from 'node:fs';
import path from 'node:path';
import { createFixture, fullDataDir } from '../test/helpers/pipeline-fixture.js';

const dir = fullDataDir();
const names = fs
  .readdirSync(dir)
  .filter((n) => n.endsWith('.csv'))
  .sort();

async function scenario(label: string, later: (n: string) => boolean): Promise<void> {
  const f = createFixture();
  try {
    for (const n of names.filter((x) => !later(x))) f.write(n, fs.readFileSync(path.join(dir, n)));
    const first = await f.run({ steps: ['bronze', 'silver'] });
    const added = names.filter(later);
    for (const n of added) f.write(n, fs.readFileSync(path.join(dir, n)));
    const next = await f.run({ steps: ['bronze', 'silver'] });
    const parts = fs.readdirSync(path.join(f.lakeDir, 'silver/online_retail/parts/sales_lines')).length;
    console.log(
      `${label}: history silver ${first.steps.silver!.durationMs} ms (full); ` +
        `+${added.length} day file(s), ${next.steps.silver!.rowsIn} rows in history: silver ${next.steps.silver!.durationMs} ms; ` +
        `${parts} sales_lines partitions`,
    );
  } finally {
    f.cleanup();
  }
}

await scenario('day partition (newest day recomputed)', (n) => n >= '2011-12-09');
await scenario('month partition equivalent (newest month recomputed)', (n) => n >= '2011-12-01');
await scenario('month partition, mid-size month (Nov 2011)', (n) => n >= '2011-11-01' && n < '2011-12-01');
process.exit(0);
