/**
 * Chooses the console's charting library by measurement (ADR 0017, docs/benchmarks.md "Web console"): for uPlot,
 * Chart.js and ECharts, bundles a line chart with esbuild exactly as the console is bundled (minified, tree-shaken,
 * only the parts a line chart needs), reports the gzipped size, and times rendering 10,000 points in real Chromium
 * (median of 7 fresh page loads; animation off). The candidates are installed outside the repository:
 *
 *   npm install --prefix ~/.cache/medallion/chart-bench uplot@1.6.32 chart.js@4.6.1 echarts@6.1.0
 *   npx tsx bench/console-chart-bench.ts [--dir ~/.cache/medallion/chart-bench] [--runs 7]
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: path.join(os.homedir(), '.cache/medallion/chart-bench') },
    runs: { type: 'string', default: '7' },
  },
});
const dir = values.dir!;
const runs = Number(values.runs);
const N = 10_000;

// Each entry draws the same series into #c and reports window.renderMs: synchronous construction plus the next frame.
const data = `const N = ${N}; const xs = new Array(N), ys = new Array(N);
for (let i = 0; i < N; i++) { xs[i] = 1291161600 + i * 3600; ys[i] = 1000 + 500 * Math.sin(i / 300) + (i % 97) * 3; }`;
const done = `requestAnimationFrame(() => { window.renderMs = performance.now() - t0; });`;
const entries: Record<string, string> = {
  uplot: `import uPlot from 'uplot'; import 'uplot/dist/uPlot.min.css'; ${data}
    const t0 = performance.now();
    new uPlot({ width: 900, height: 300, series: [{}, { stroke: 'blue' }] }, [xs, ys], document.getElementById('c'));
    ${done}`,
  chartjs: `import { Chart, LineController, LineElement, PointElement, LinearScale, Tooltip } from 'chart.js';
    Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip); ${data}
    const canvas = document.createElement('canvas'); canvas.width = 900; canvas.height = 300; document.getElementById('c').append(canvas);
    const t0 = performance.now();
    new Chart(canvas, { type: 'line', data: { datasets: [{ data: xs.map((x, i) => ({ x, y: ys[i] })), pointRadius: 0, borderWidth: 1 }] },
      options: { animation: false, responsive: false, parsing: false, normalized: true, scales: { x: { type: 'linear' } } } });
    ${done}`,
  echarts: `import * as echarts from 'echarts/core'; import { LineChart } from 'echarts/charts';
    import { GridComponent, TooltipComponent } from 'echarts/components'; import { CanvasRenderer } from 'echarts/renderers';
    echarts.use([LineChart, GridComponent, TooltipComponent, CanvasRenderer]); ${data}
    const el = document.getElementById('c'); el.style.width = '900px'; el.style.height = '300px';
    const t0 = performance.now();
    echarts.init(el).setOption({ animation: false, xAxis: { type: 'value', min: 'dataMin' }, yAxis: { type: 'value' }, tooltip: { trigger: 'axis' },
      series: [{ type: 'line', showSymbol: false, data: xs.map((x, i) => [x, ys[i]]) }] });
    ${done}`,
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const work = fs.mkdtempSync(path.join(dir, 'run-'));
const results: { lib: string; version: string; jsGzip: number; cssGzip: number; renderMs: number }[] = [];
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  for (const [lib, source] of Object.entries(entries)) {
    const entry = path.join(work, `${lib}.js`);
    fs.writeFileSync(entry, source);
    const out = path.join(work, lib);
    await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: 'esm',
      outdir: out,
      logLevel: 'error',
      nodePaths: [path.join(dir, 'node_modules')],
    });
    const js = fs.readFileSync(path.join(out, `${lib}.js`));
    const cssFile = path.join(out, `${lib}.css`);
    const css = fs.existsSync(cssFile) ? fs.readFileSync(cssFile) : Buffer.alloc(0);
    const html = `<!doctype html><link rel="stylesheet" href="/b.css"><div id="c"></div><script type="module" src="/b.js"></script>`;
    const server = http.createServer((req, res) => {
      const body = req.url === '/b.js' ? js : req.url === '/b.css' ? css : html;
      res.setHeader(
        'content-type',
        req.url === '/b.js' ? 'text/javascript' : req.url === '/b.css' ? 'text/css' : 'text/html',
      );
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction('typeof window.renderMs === "number"');
      times.push(await page.evaluate('window.renderMs'));
      await page.close();
    }
    server.close();
    const pkg = { uplot: 'uplot', chartjs: 'chart.js', echarts: 'echarts' }[lib]!;
    const version = JSON.parse(
      fs.readFileSync(path.join(dir, 'node_modules', pkg, 'package.json'), 'utf8'),
    ).version;
    results.push({
      lib: `${pkg} ${version}`,
      version,
      jsGzip: gzipSync(js).length,
      cssGzip: gzipSync(css).length,
      renderMs: median(times),
    });
  }
} finally {
  await browser.close();
  fs.rmSync(work, { recursive: true, force: true });
}
const base = results[0]!;
console.log(
  `| library | JS gzipped | CSS gzipped | render 10,000 points (median of ${runs}) | size ratio | time ratio |`,
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(
    `| ${r.lib} | ${(r.jsGzip / 1024).toFixed(1)} KiB | ${(r.cssGzip / 1024).toFixed(1)} KiB | ${r.renderMs.toFixed(1)} ms | ${(r.jsGzip / base.jsGzip).toFixed(1)}× | ${(r.renderMs / base.renderMs).toFixed(1)}× |`,
  );
}
