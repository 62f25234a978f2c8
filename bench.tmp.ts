import fs from 'node:fs';
import { pino } from 'pino';
import { createSqlEngine } from './runner/engine/sql-engine.js';
import { GOLD_TABLES, orderCountsSql } from './runner/gold/gold-sql.js';
import { buildIncrementalGold } from './runner/gold/incremental-gold.js';
const e0 = await createSqlEngine({ memoryLimit: '1GB', tempDir: '/tmp/gi/tmp', logger: pino({ level: 'silent' }) });
const slow = (sql: string, ms: number) => { if (ms > 300) console.log('   ', ms, sql.replace(/\s+/g, ' ').slice(0, 140)); };
const e = { ...e0, run: async (sql: string) => { const s = performance.now(); await e0.run(sql); slow(sql, Math.round(performance.now() - s)); },
  all: async (sql: string) => { const s = performance.now(); const r = await e0.all(sql); slow(sql, Math.round(performance.now() - s)); return r; } };
const W = '/tmp/gi/b'; fs.rmSync(W, { recursive: true, force: true }); fs.mkdirSync(W + '/days', { recursive: true });
await e.run(`CREATE TEMP TABLE sl AS FROM '/tmp/gi/sales_lines.parquet'`);
const dates = (await e.all(`SELECT DISTINCT strftime(business_date,'%Y-%m-%d') d FROM sl ORDER BY d`)).map((r) => String(r.d));
for (const d of dates) await e.run(`COPY (FROM sl WHERE business_date = DATE '${d}') TO '${W}/days/${d}.parquet' (FORMAT parquet)`);
await e.run('DROP TABLE sl');
const t = async (label: string, f: () => Promise<unknown>) => { const s = performance.now(); const r = await f(); console.log(label, Math.round(performance.now() - s), 'ms'); return r; };
const files = dates.map((d) => `${W}/days/${d}.parquet`);
if (0) await t('full SQL', async () => {
  fs.mkdirSync(W + '/full', { recursive: true });
  await e.run(`CREATE OR REPLACE TEMP VIEW lines AS FROM read_parquet([${files.map((x) => `'${x}'`).join(',')}])`);
  for (const s of orderCountsSql(1)) await e.run(s);
  for (const [k, sql] of Object.entries(GOLD_TABLES)) await e.run(`COPY (${sql}) TO '${W}/full/${k}.parquet' (FORMAT parquet)`);
  await e.run('DROP VIEW lines');
});
const parts = dates.map((d, i) => ({ key: d, salesLinesFiles: [files[i]!] }));
const common = (run: string) => ({ engine: e, runId: run, partitions: parts, resolve: async (k: string[]) => k,
  partKey: (p: string, k: string) => `${W}/parts/${p}/${k}/${run}.parquet`, partsDir: `${W}/st-${run}`, outDir: `${W}/out-${run}` });
const move = (staged: { file: string; key: string }[]) => { for (const s of staged) { fs.mkdirSync(s.key.replace(/\/[^/]+$/, ''), { recursive: true }); fs.renameSync(s.file, s.key); } };
fs.mkdirSync(`${W}/out-r1`, { recursive: true }); fs.mkdirSync(`${W}/out-r2`, { recursive: true });
const r1: any = await t('incremental, full build', () => buildIncrementalGold({ ...common('r1'), changed: { full: true, keys: dates }, previous: undefined }));
move(r1.staged);
const r2: any = await t('incremental, 1 changed date', () => buildIncrementalGold({ ...common('r2'), changed: { full: false, keys: [dates.at(-1)!] }, previous: r1.parts }));
console.log('spanning', r1.spanningInvoices, 'preagg rows', JSON.stringify(Object.fromEntries(['country_days','invoices','products','descriptions','categories'].map(p=>[p, Object.values(r1.parts).reduce((n:number,x:any)=>n+(x.files[p]?.rows??0),0)]))));
