import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { SpecError, type SpecIssue } from '../errors.js';
import { PipelineSchema, type Pipeline } from './pipeline-spec.js';

export interface LoadedSpec {
  file: string;
  /** Directory relative paths in the spec are resolved against. */
  baseDir: string;
  pipeline: Pipeline;
}

/** Finds the YAML node at a zod issue path, falling back to the deepest existing parent, for a line number. */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  issuePath: PropertyKey[],
): number | undefined {
  let node: Node | null | undefined = doc.contents as Node | null;
  let best: Node | null | undefined = node;
  for (const key of issuePath) {
    if (isMap(node)) {
      const items = node.items as { key: unknown; value: unknown }[];
      const pair = items.find((p) => isScalar(p.key) && p.key.value === key);
      node = pair ? ((pair.value as Node | null) ?? (pair.key as Node)) : undefined;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key] as Node | undefined;
    } else {
      node = undefined;
    }
    if (!node) break;
    best = node;
  }
  const offset = best?.range?.[0];
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

/** Parses and validates a pipeline document, reporting every problem at once with its path and line. */
export function parseSpec(text: string, file: string): Pipeline {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const issues: SpecIssue[] = doc.errors.map((e) => ({
      path: '(yaml)',
      message: e.message.split('\n')[0] ?? e.message,
      line: e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line,
    }));
    throw new SpecError(file, issues);
  }
  const raw: unknown = doc.toJS();
  const result = PipelineSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => {
      const p = i.path.map(String).join('.') || '(root)';
      return { path: p, message: i.message, line: lineOf(doc, counter, i.path) };
    });
    throw new SpecError(file, issues);
  }
  return result.data;
}

export async function loadSpec(file: string): Promise<LoadedSpec> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (cause) {
    throw new SpecError(
      file,
      [{ path: '(file)', message: `cannot read the file (${(cause as Error).message})` }],
      {
        cause,
      },
    );
  }
  const pipeline = parseSpec(text, file);
  return { file, baseDir: path.dirname(path.resolve(file)), pipeline };
}
