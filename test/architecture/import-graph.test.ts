import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_IMPORTS,
  checkImportGraph,
  folderCycles,
  importEdges,
  scanRepository,
} from './import-graph.js';

const repo = path.resolve(import.meta.dirname, '../..');

describe('the import graph between top-level folders', () => {
  it('follows the dependency rule: no forbidden edge, no cycle', () => {
    const edges = scanRepository(repo, Object.keys(ALLOWED_IMPORTS));
    // A scan that found nothing would pass vacuously.
    expect(edges.filter((e) => e.from === 'cli' && e.to === 'api').length).toBeGreaterThan(0);
    expect(edges.filter((e) => e.from === 'operator' && e.to === 'runner').length).toBeGreaterThan(0);
    expect(checkImportGraph(edges)).toEqual([]);
  });
});

describe('importEdges', () => {
  it('finds static, type-only, re-export and dynamic imports with their lines, but not comments or strings', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { T } from '../api/types.js';",
      "// import('../operator/commented.js')",
      "export { b } from '../operator/b.js';",
      "export * from '../../cli/c.js';",
      "const d = await import('../cli/d.js');",
      'const s = "import(\'../cli/in-a-string.js\')";',
      "import { z } from 'zod';",
    ].join('\n');
    const edges = importEdges('runner/spec/x.ts', source);
    expect(edges.map((e) => [e.line, e.to])).toEqual([
      [1, 'runner'],
      [2, 'runner'],
      [4, 'runner'],
      [5, 'cli'],
      [6, 'runner'],
    ]);
    expect(importEdges('runner/x.ts', "import('../api/y.js')")[0]).toMatchObject({
      from: 'runner',
      to: 'api',
    });
  });
});

describe('checkImportGraph on a synthetic graph', () => {
  const graph = {
    'runner/run/step.ts': "import { serve } from '../../api/server.js';\n",
    'api/server.ts': "import { run } from '../runner/run/step.js';\nimport('../operator/main.js');\n",
    'operator/main.ts': "\n\nexport { x } from '../runner/x.js';\n",
    'cli/main.ts': "import { main } from '../operator/main.js';\n",
  };
  const edges = Object.entries(graph).flatMap(([file, text]) => importEdges(file, text));

  it('reports a forbidden edge with its file and line', () => {
    const problems = checkImportGraph(edges);
    expect(problems).toContain(
      "runner/run/step.ts:1 imports '../../api/server.js': runner → api is not allowed",
    );
    expect(problems.filter((p) => p.includes('is not allowed'))).toHaveLength(1);
  });

  it('reports a cycle with one edge per hop, even when the table would allow every edge of it', () => {
    // runner → api closes two loops: api → runner → api and api → operator → runner → api.
    expect(folderCycles(edges)).toEqual([
      ['api', 'operator', 'runner', 'api'],
      ['api', 'runner', 'api'],
    ]);
    const lenient = { ...ALLOWED_IMPORTS, runner: ['api'] };
    expect(checkImportGraph(edges, lenient)).toEqual([
      'import cycle api → operator → runner → api (api/server.ts:2, operator/main.ts:3, runner/run/step.ts:1)',
      'import cycle api → runner → api (api/server.ts:1, runner/run/step.ts:1)',
    ]);
  });

  it('forbids imports of folders outside the table, such as test/', () => {
    const e = importEdges('operator/a.ts', "import { f } from '../test/helpers/f.js';");
    expect(checkImportGraph(e)).toEqual([
      "operator/a.ts:1 imports '../test/helpers/f.js': operator → test is not allowed",
    ]);
  });

  it('passes a graph that follows the rule', () => {
    const ok = importEdges(
      'api/a.ts',
      "import '../operator/b.js';\nimport '../runner/c.js';\nimport './d.js';",
    );
    expect(checkImportGraph(ok)).toEqual([]);
  });
});
