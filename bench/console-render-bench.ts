/**
 * First render of the console's run page on the full Online Retail data, in real Chromium (docs/benchmarks.md, "Web
 * console"): one `medallion run` of the 305 days into an embedded PostgreSQL, the API in this process, then N fresh
 * tabs opened on the newest run's page (as behind an authenticating proxy: the bearer token on every request). Prints
 * each time from navigation start to the page's content being in the document, and the median.
 *
 *   npx tsx bench/console-render-bench.ts [--runs 9]
 */
import { parseArgs } from 'node:util';
import { buildTestApp, token } from '../test/api/helpers/api-app.js';
import { firstRenderMs, openBrowser } from '../test/console/helpers/browser.js';
import { buildConsole } from '../test/console/helpers/console-server.js';
import { FULL_SCHEMA, runFullData } from '../test/console/helpers/full-data.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
const consoleDir = buildConsole();
const started = Date.now();
const full = await runFullData();
console.log(`full data loaded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
const t = await buildTestApp({ url: full.pg.url, schema: FULL_SCHEMA, consoleDir });
try {
  const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const viewer = await token('viewer');
  const runs = (await (
    await fetch(`${base}/api/v1/runs`, { headers: { authorization: `Bearer ${viewer}` } })
  ).json()) as {
    data: { id: string }[];
  };
  const id = runs.data[0]!.id;
  const browser = await openBrowser({ extraHTTPHeaders: { authorization: `Bearer ${viewer}` } });
  const times: number[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    times.push(await firstRenderMs(browser, `${base}/#/runs/${encodeURIComponent(id)}`, `Run ${id}`));
  }
  // Where the time goes, on one more tab: each request's start and end relative to navigation start.
  const page = await browser.newPage();
  await page.goto(`${base}/#/runs/${encodeURIComponent(id)}`);
  await page.locator('#main[data-rendered]:not([aria-busy])').waitFor();
  const entries = (await page.evaluate(
    'performance.getEntriesByType("resource").map((e) => [e.name.replace(location.origin, ""), Math.round(e.startTime), Math.round(e.responseEnd)])',
  )) as [string, number, number][];
  for (const [name, start, end] of entries)
    console.log(`  ${String(start).padStart(5)} → ${String(end).padStart(5)} ms  ${name}`);
  await browser.close();
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`run page first render (ms): ${times.map((x) => x.toFixed(0)).join(', ')}`);
  console.log(
    `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (budget 1000 ms)`,
  );
} finally {
  await t.close();
  await full.close();
}
