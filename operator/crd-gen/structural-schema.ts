import { MedallionError } from '../../runner/errors.js';
/**
 * Turns the JSON Schema (draft 2020-12) that z.toJSONSchema emits into a Kubernetes structural schema
 * (apiextensions.k8s.io/v1 JSONSchemaProps): no $ref, no unions except the int-or-string and nullable idioms,
 * no `additionalProperties: false` (the apiserver prunes unknown fields and reports them under strict field
 * validation), booleans for exclusive bounds. Rejects what it cannot express and every field without a description,
 * because `kubectl explain` is the API's manual.
 */

export type Schema = Record<string, unknown>;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
// Keywords Kubernetes does not accept or that only repeat what the CRD already says.
const DROPPED = new Set(['$schema', 'propertyNames', 'id', '$id']);

export class SchemaError extends MedallionError {
  constructor(message: string) {
    super('CRD_SCHEMA', message);
  }
}

interface ConvertOptions {
  /** Extra keywords merged in at a dotted path (e.g. "spec.source.timezone"), for schemas we import but do not own. */
  patches?: Record<string, Schema>;
}

function isObject(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function convertUnion(node: Schema, path: string): Schema {
  const branches = (node.anyOf ?? node.oneOf) as Schema[];
  const rest = { ...node };
  delete rest.anyOf;
  delete rest.oneOf;
  if (rest['x-kubernetes-int-or-string'] === true) {
    const pattern = branches.find((b) => b.type === 'string')?.pattern;
    return { ...rest, ...(pattern ? { pattern } : {}), anyOf: [{ type: 'integer' }, { type: 'string' }] };
  }
  const nonNull = branches.filter((b) => b.type !== 'null');
  if (nonNull.length === 1 && branches.length === 2) return { ...rest, ...nonNull[0], nullable: true };
  throw new SchemaError(`${path}: unions are not structural; use x-kubernetes-int-or-string or nullable`);
}

export function toStructural(
  input: Schema,
  path: string,
  problems: string[],
  opts: ConvertOptions = {},
): Schema {
  let node: Schema = { ...input };
  if ('$ref' in node || '$defs' in node || 'allOf' in node) {
    throw new SchemaError(`${path}: $ref/$defs/allOf are not allowed in a structural schema`);
  }
  if ('anyOf' in node || 'oneOf' in node) node = convertUnion(node, path);
  if (Array.isArray(node.type)) {
    const types = (node.type as string[]).filter((t) => t !== 'null');
    if (types.length !== 1) throw new SchemaError(`${path}: a node must have exactly one type`);
    node = { ...node, type: types[0], ...(types.length < node.type.length ? { nullable: true } : {}) };
  }
  const patch = opts.patches?.[path];
  if (patch) node = { ...node, ...patch };

  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'const') {
      out.enum = [value];
    } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
      out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
      out[key] = true;
    } else if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) >= MAX_SAFE) {
      // zod's int() bound, not a real constraint: Kubernetes integers are int64 anyway.
    } else if (key === 'pattern' && node.format === 'date-time') {
      // zod adds an ISO regex next to the format; the apiserver's date-time format check is the one that matters.
    } else if (key === 'properties' && isObject(value)) {
      const props: Schema = {};
      for (const [name, child] of Object.entries(value)) {
        const childPath = path ? `${path}.${name}` : name;
        const converted = toStructural(child as Schema, childPath, problems, opts);
        if (typeof converted.description !== 'string' || converted.description.length === 0) {
          problems.push(`${childPath}: missing description`);
        }
        props[name] = converted;
      }
      out.properties = props;
    } else if ((key === 'items' || key === 'additionalProperties') && isObject(value)) {
      out[key] = toStructural(value, `${path}[]`, problems, opts);
    } else {
      out[key] = value;
    }
  }
  // An object default of {} is checked against CEL rules before nested defaults apply, so spell it out in full.
  if (isObject(out.default) && isObject(out.properties)) {
    const filled: Schema = {};
    for (const [name, child] of Object.entries(out.properties)) {
      if (isObject(child) && 'default' in child) filled[name] = child.default;
    }
    out.default = { ...filled, ...out.default };
  }
  if (
    out.type === undefined &&
    out['x-kubernetes-int-or-string'] !== true &&
    !out['x-kubernetes-preserve-unknown-fields']
  ) {
    throw new SchemaError(`${path}: every node needs a type (got ${JSON.stringify(input).slice(0, 120)})`);
  }
  return out;
}
