import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSpecDocs } from './spec-docs.js';

describe('docs/pipeline-spec.md', () => {
  it('is generated from the schema and up to date (run npm run docs:spec)', () => {
    const file = path.resolve(import.meta.dirname, '../../docs/pipeline-spec.md');
    expect(fs.readFileSync(file, 'utf8')).toBe(renderSpecDocs());
  });

  it('documents every field', () => {
    const undocumented = renderSpecDocs()
      .split('\n')
      .filter((l) => l.startsWith('| `spec.') && l.trimEnd().endsWith('|  |'));
    expect(undocumented).toEqual([]);
  });
});
