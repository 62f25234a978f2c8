/**
 * Builds the web console into dist/console: esbuild bundles main.ts (and the CSS it imports) into app.js / app.css,
 * minified, no source maps shipped; index.html is copied. Run by `npm run build` after tsc.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const here = import.meta.dirname;
const web = path.join(here, 'web');
const out = path.resolve(here, '../../dist/console');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: { app: path.join(web, 'main.ts'), style: path.join(web, 'style.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: out,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});
// main.ts imports uPlot's CSS (bundled as app.css); the console's own stylesheet is appended to it.
fs.appendFileSync(path.join(out, 'app.css'), fs.readFileSync(path.join(out, 'style.css')));
fs.rmSync(path.join(out, 'style.css'));
fs.copyFileSync(path.join(web, 'index.html'), path.join(out, 'index.html'));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`console built into ${path.relative(process.cwd(), out)} (${(bytes / 1024).toFixed(1)} KiB)`);
