import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BronzeManifest, ManifestEntry } from '../lake/lake-store.js';
import { planIngestion, sha256File } from './plan-ingestion.js';
import type { SourceFile } from './source-files.js';

let dir: string;
const file = (name: string): SourceFile => ({ name, absPath: path.join(dir, name) });
const manifest = (files: ManifestEntry[]): BronzeManifest => ({
  dataset: 'online_retail',
  version: 1,
  updatedAt: '2026-12-03T00:00:00Z',
  files,
});
async function entry(name: string, over: Partial<ManifestEntry> = {}): Promise<ManifestEntry> {
  const abs = path.join(dir, name);
  const st = await fs.stat(abs);
  return {
    file: name,
    size: st.size,
    sha256: await sha256File(abs),
    mtimeMs: st.mtimeMs,
    rows: 1,
    malformed: 0,
    runId: 'r1',
    ingestedAt: '2026-12-03T00:00:00Z',
    part: 'p',
    ...over,
  };
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'plan-ingestion-'));
  for (const n of ['a.csv', 'b.csv', 'c.csv']) await fs.writeFile(path.join(dir, n), `h\n${n}\n`);
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('planIngestion', () => {
  it('skips a local file whose size and mtime are those ingested without reading it (its hash is not checked)', async () => {
    // The recorded hash is wrong on purpose: only a re-read would notice, and an unchanged file is not re-read.
    const a = await entry('a.csv', { sha256: 'not-read' });
    const plan = await planIngestion([file('a.csv'), file('b.csv')], manifest([a]), 'reject');
    expect(plan.unchanged.map((f) => f.name)).toEqual(['a.csv']);
    expect(plan.toIngest.map((f) => f.name)).toEqual(['b.csv']);
  });

  it('hashes a file whose mtime moved: same content is unchanged, new content is a changed file', async () => {
    const b = await entry('b.csv');
    const c = await entry('c.csv');
    const later = new Date(Date.now() + 5000);
    await fs.utimes(path.join(dir, 'b.csv'), later, later); // touched, same content
    await fs.writeFile(path.join(dir, 'c.csv'), 'h\nC.csv\n'); // same size, new content
    const plan = await planIngestion([file('b.csv'), file('c.csv')], manifest([b, c]), 'reingest');
    expect(plan.unchanged.map((f) => f.name)).toEqual(['b.csv']);
    expect(plan.changed.map((f) => f.name)).toEqual(['c.csv']);
    await expect(planIngestion([file('c.csv')], manifest([c]), 'reject')).rejects.toThrow(/changed/);
  });

  it('an entry without mtime (written before it was recorded) is compared by hash', async () => {
    const old = await entry('a.csv');
    delete old.mtimeMs;
    const plan = await planIngestion(
      [file('a.csv')],
      manifest([{ ...old, sha256: 'different' }]),
      'reingest',
    );
    expect(plan.changed.map((f) => f.name)).toEqual(['a.csv']);
  });
});
