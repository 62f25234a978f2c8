import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildConsole } from './helpers/console-server.js';

/** The console's JavaScript budget (docs/benchmarks.md): ≤ 250 KB gzipped, measured on the real build output. */
export const JS_BUDGET_BYTES = 250 * 1000;

describe('console bundle', () => {
  it('stays within its JavaScript budget and ships only files it serves itself', () => {
    const dir = buildConsole();
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['app.css', 'app.js', 'index.html']);
    const js = gzipSync(fs.readFileSync(path.join(dir, 'app.js')), { level: 9 }).length;
    const css = gzipSync(fs.readFileSync(path.join(dir, 'app.css')), { level: 9 }).length;
    console.log(
      `console bundle: app.js ${(js / 1000).toFixed(1)} kB gzipped, app.css ${(css / 1000).toFixed(1)} kB gzipped`,
    );
    expect(js).toBeLessThanOrEqual(JS_BUDGET_BYTES);
    // Every asset the page loads is one of these files, from this origin; the only other reference is the empty
    // inline icon (`data:,`), which stops the browser asking for /favicon.ico and loads nothing.
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]);
    expect(refs.sort()).toEqual(['/console/app.css', '/console/app.js', 'data:,']);
  });
});
