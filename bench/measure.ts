/**
 * Runs one benchmark job in this process and prints {wallMs, maxRssBytes} as JSON on the last line, so that
 * native (DuckDB) memory is included in the peak. Usage: measure.ts floor|runner SOURCE OUTDIR [SPEC]
 */
import { runFloor } from './floor.js';

const [job, source, outDir, spec] = process.argv.slice(2);
const started = performance.now();
if (job === 'floor') {
  await runFloor(`${source}/**/*.csv`, outDir!);
} else if (job === 'runner') {
  const { main } = await import('../cli/main.js');
  const code = await main(['run', '-f', spec!, '--source-uri', source!, '--lake', outDir!, '--quiet'], {
    out: () => undefined,
    err: (t) => process.stderr.write(t + '\n'),
    env: { ...process.env, MEDALLION_LOG_LEVEL: 'warn', MEDALLION_LOG_FORMAT: 'json' },
    isTty: false,
  });
  if (code !== 0) throw new Error(`runner exited ${code}`);
} else {
  throw new Error('usage: measure.ts floor|runner SOURCE OUTDIR [SPEC]');
}
const wallMs = Math.round(performance.now() - started);
console.log(JSON.stringify({ job, wallMs, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
