import { z } from 'zod';

/**
 * zod building blocks that carry Kubernetes-only annotations (CEL rules, int-or-string) as metadata, which
 * z.toJSONSchema copies into the JSON Schema the CRD generator reads; each CEL rule is paired with a zod refinement so
 * clients validate exactly what the apiserver does. They live in runner/spec because the Pipeline's Kubernetes-only
 * fields (step-job-spec.ts) use them and runner/ imports no other top-level folder (ADR 0013).
 */

export interface CelRule {
  rule: string;
  message: string;
  /** For rules that mention a field, report the error at that field (JSONPath relative to the object). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** Attaches a CEL rule for the apiserver; `check` is the same rule in TypeScript for zod (omit for transition rules). */
export function withCel<T extends z.ZodType>(
  schema: T,
  cel: CelRule,
  check?: (value: z.output<T>) => boolean,
): T {
  const existing = (schema.meta()?.['x-kubernetes-validations'] as CelRule[] | undefined) ?? [];
  const withCheck = check
    ? schema.refine(check, {
        message: cel.message,
        path: cel.fieldPath ? cel.fieldPath.split('.').slice(1) : [],
      })
    : schema;
  return withCheck.meta({ ...schema.meta(), 'x-kubernetes-validations': [...existing, cel] }) as T;
}

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes quantity ("500m", "2Gi", 1): int-or-string in the schema, like core/v1 resources. */
export const QuantitySchema = z
  .union([z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/), z.number().int().min(0)])
  .meta({ 'x-kubernetes-int-or-string': true });
