import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { SpecError, type SpecIssue } from '../errors.js';
import { PipelineSchema, PipelineSpecSchema, type Pipeline, type PipelineSpec } from './pipeline-spec.js';
import { KUBERNETES_ONLY_SPEC_FIELDS } from './step-job-spec.js';

export interface LoadedSpec {
  file: string;
  /** Directory relative paths in the spec are resolved against. */
  baseDir: string;
  pipeline: Pipeline;
  /** Kubernetes-only fields the document set (e.g. spec.job): validated, then left out of `pipeline`. */
  ignoredFields: string[];
}

export interface ParsedSpec {
  pipeline: Pipeline;
  ignoredFields: string[];
}

/**
 * What a spec file may hold: a Pipeline whose spec may also carry the custom resource's Kubernetes-only fields, so
 * the manifest applied with kubectl also runs locally. They are checked as strictly as the apiserver checks them;
 * any other unknown key is still an error.
 */
const PipelineManifestSchema = PipelineSchema.extend({
  spec: PipelineSpecSchema.extend(KUBERNETES_ONLY_SPEC_FIELDS),
});
const KUBERNETES_ONLY = new Set(Object.keys(KUBERNETES_ONLY_SPEC_FIELDS));

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
  return parseSpecDocument(text, file).pipeline;
}

/** parseSpec, also naming the Kubernetes-only fields the document set and the local runner ignores. */
export function parseSpecDocument(text: string, file: string): ParsedSpec {
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
  const result = PipelineManifestSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => {
      const p = i.path.map(String).join('.') || '(root)';
      // An unknown key is reported on its parent; its own line is the one to fix.
      const at = i.code === 'unrecognized_keys' && i.keys[0] !== undefined ? [...i.path, i.keys[0]] : i.path;
      return { path: p, message: i.message, line: lineOf(doc, counter, at) };
    });
    throw new SpecError(file, issues);
  }
  const { spec, ...resource } = result.data;
  const runnerSpec = Object.fromEntries(
    Object.entries(spec).filter(([key]) => !KUBERNETES_ONLY.has(key)),
  ) as PipelineSpec;
  // Named only when the document wrote them: their defaults are filled in either way.
  const written = Object.keys((raw as { spec: object }).spec);
  return {
    pipeline: { ...resource, spec: runnerSpec },
    ignoredFields: written.filter((key) => KUBERNETES_ONLY.has(key)).map((key) => `spec.${key}`),
  };
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
  const { pipeline, ignoredFields } = parseSpecDocument(text, file);
  return { file, baseDir: path.dirname(path.resolve(file)), pipeline, ignoredFields };
}
