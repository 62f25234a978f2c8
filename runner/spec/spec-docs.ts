import { z } from 'zod';
import { PipelineSpecSchema } from './pipeline-spec.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  required?: string[];
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((e) => `\`${String(e)}\``).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  return Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'object');
}

function rows(schema: JsonSchema, prefix: string, out: string[]): void {
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const bounds = [
      prop.minimum !== undefined ? `≥ ${prop.minimum}` : '',
      prop.maximum !== undefined ? `≤ ${prop.maximum}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    const def = prop.default === undefined ? '' : `\`${JSON.stringify(prop.default)}\``;
    const required = schema.required?.includes(name) && prop.default === undefined ? ' (required)' : '';
    const desc = (prop.description ?? '').replace(/\|/g, '\\|');
    out.push(
      `| \`${path}\`${required} | ${typeOf(prop)}${bounds ? ` (${bounds})` : ''} | ${def} | ${desc} |`,
    );
    if (prop.type === 'object' && prop.properties) rows(prop, `${path}.`, out);
  }
}

/** Renders docs/pipeline-spec.md from the zod schema, so the reference can never drift from validation. */
export function renderSpecDocs(): string {
  const schema = z.toJSONSchema(PipelineSpecSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out = [
    '# Pipeline spec reference',
    '',
    '<!-- Generated from runner/spec/pipeline-spec.ts by `npm run docs:spec`; a test fails when it is stale. -->',
    '',
    'A `Pipeline` document (`apiVersion: medallion.dev/v1alpha1`, `kind: Pipeline`, `metadata.name` a DNS-1123 label)',
    'has this `spec`. The same schema validates `medallion validate`/`medallion run` and, later, the Kubernetes CRD.',
    'Relative paths are resolved against the directory of the spec file.',
    '',
    '| field | type | default | description |',
    '| --- | --- | --- | --- |',
  ];
  rows(schema, 'spec.', out);
  return out.join('\n') + '\n';
}
