import { z } from 'zod';
import { API_GROUP, API_VERSION } from '../spec/common.js';
import type { CrdDefinition } from './crd-definitions.js';
import { SchemaError, toStructural, type Schema } from './structural-schema.js';

function jsonSchema(schema: z.ZodType): Schema {
  // io 'input': fields with defaults are optional for users, and the defaults appear in the schema.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', target: 'draft-2020-12' }) as Schema;
}

/** The CustomResourceDefinition object for one kind, generated from its zod schemas. */
export function buildCrd(def: CrdDefinition): Schema {
  const problems: string[] = [];
  const opts = { patches: def.patches ?? {} };
  const spec = toStructural(jsonSchema(def.spec), 'spec', problems, opts);
  const status = toStructural(jsonSchema(def.status), 'status', problems, opts);
  if (problems.length > 0) throw new SchemaError(`${def.kind}:\n  ${problems.join('\n  ')}`);

  const root: Schema = {
    type: 'object',
    description: def.description,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'Versioned schema of this object: medallion.dev/v1alpha1.' },
      kind: { type: 'string', description: `Kind of this object: ${def.kind}.` },
      metadata: { type: 'object' },
      spec,
      status,
    },
    ...(def.rootValidations ? { 'x-kubernetes-validations': def.rootValidations } : {}),
  };

  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${def.plural}.${API_GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'medallion' },
    },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: ['medallion'],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.columns.map((c) => ({ ...c, priority: c.priority ?? 0 })),
          schema: { openAPIV3Schema: root },
        },
      ],
    },
  };
}
