import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The dependency rule between the top-level folders (ADR 0013): each folder may import only the folders listed for
 * it, so the graph is cli → {api, operator, runner}, api → {operator, runner}, operator → runner and runner is a leaf.
 * Anything else a source file imports by relative path (test/, bench/, another folder) is forbidden too.
 */
export const ALLOWED_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  cli: ['runner', 'operator', 'api'],
  api: ['runner', 'operator'],
  operator: ['runner'],
  runner: [],
};

export interface ImportEdge {
  /** Repository-relative path of the importing file, with forward slashes. */
  file: string;
  line: number;
  specifier: string;
  from: string;
  /** Top-level folder of the imported file ('' for a file at the repository root). */
  to: string;
}

const topFolder = (repoPath: string): string => (repoPath.includes('/') ? repoPath.split('/')[0]! : '');

/**
 * Relative imports of one file: static imports, `export … from`, `import type` and `import('…')`, found by the
 * TypeScript pre-processor, which skips comments and strings. Package imports (zod, node:fs) are not edges.
 */
export function importEdges(file: string, source: string): ImportEdge[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles
    .filter((ref) => ref.fileName.startsWith('.'))
    .map((ref) => {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), ref.fileName));
      const line = source.slice(0, ref.pos).split('\n').length;
      return { file, line, specifier: ref.fileName, from: topFolder(file), to: topFolder(target) };
    });
}

/** Edges that leave their folder for one the table does not allow. */
export function forbiddenEdges(
  edges: ImportEdge[],
  allowed: Readonly<Record<string, readonly string[]>>,
): ImportEdge[] {
  return edges.filter((e) => e.from !== e.to && !(allowed[e.from] ?? []).includes(e.to));
}

/** Cycles in the folder graph, each as the folders in order with the first repeated at the end (a → b → a). */
export function folderCycles(edges: ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (e.from === e.to) continue;
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)!.add(e.to);
  }
  const cycles = new Map<string, string[]>();
  const walk = (node: string, trail: string[]): void => {
    const at = trail.indexOf(node);
    if (at >= 0) {
      const cycle = trail.slice(at);
      // One entry per cycle whatever folder the walk entered it by: key on its smallest rotation.
      const start = cycle.indexOf([...cycle].sort()[0]!);
      const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
      cycles.set(rotated.join(' → '), [...rotated, rotated[0]!]);
      return;
    }
    for (const to of next.get(node) ?? []) walk(to, [...trail, node]);
  };
  for (const node of [...next.keys()].sort()) walk(node, []);
  return [...cycles.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, cycle]) => cycle);
}

/** The rule's verdict, one line per offence: forbidden edges with file:line, then folder cycles with one edge per hop. */
export function checkImportGraph(
  edges: ImportEdge[],
  allowed: Readonly<Record<string, readonly string[]>> = ALLOWED_IMPORTS,
): string[] {
  const problems = forbiddenEdges(edges, allowed).map(
    (e) =>
      `${e.file}:${e.line} imports '${e.specifier}': ${e.from} → ${e.to || '(repository root)'} is not allowed`,
  );
  for (const cycle of folderCycles(edges)) {
    const hops = cycle.slice(1).map((to, i) => {
      const e = edges.find((x) => x.from === cycle[i] && x.to === to)!;
      return `${e.file}:${e.line}`;
    });
    problems.push(`import cycle ${cycle.join(' → ')} (${hops.join(', ')})`);
  }
  return problems;
}

/** Every .ts file under the given top-level folders of `root`, as import edges. */
export function scanRepository(root: string, folders: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) visit(rel);
      else if (entry.name.endsWith('.ts'))
        edges.push(...importEdges(rel, fs.readFileSync(path.join(root, rel), 'utf8')));
    }
  };
  for (const folder of folders) visit(folder);
  return edges;
}
