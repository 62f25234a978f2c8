import { z } from 'zod';
import { isTimeZone } from '../schedule/cron-times.js';

/**
 * Building blocks shared by the Medallion custom resources. Kubernetes-only annotations (CEL rules, list types,
 * int-or-string) travel as zod metadata, which z.toJSONSchema copies into the JSON Schema the CRD generator reads;
 * each CEL rule is paired with a zod refinement so clients validate exactly what the apiserver does.
 */

export const API_GROUP = 'medallion.dev';
export const API_VERSION = 'v1alpha1';

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

export const LocalObjectReferenceSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(DNS_LABEL, 'must be a DNS-1123 label such as online-retail')
      .describe('Name of the referenced object in the same namespace.'),
  })
  .strict();

export const TimeZoneSchema = withCel(
  z.string().min(1).max(64),
  {
    // timestamp().getHours(tz) fails for an unknown zone, and a failed rule rejects the object.
    rule: "self == 'UTC' || timestamp('2000-01-01T00:00:00Z').getHours(self) >= 0",
    message: 'must be an IANA time zone such as Europe/London',
  },
  isTimeZone,
);

/** A Kubernetes quantity ("500m", "2Gi", 1): int-or-string in the schema, like core/v1 resources. */
export const QuantitySchema = z
  .union([z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/), z.number().int().min(0)])
  .meta({ 'x-kubernetes-int-or-string': true });

export const ConditionSchema = z
  .object({
    type: z.string().min(1).max(316).describe('Condition type, for example Ready or Succeeded.'),
    status: z
      .enum(['True', 'False', 'Unknown'])
      .describe('Whether the condition holds: True, False or Unknown.'),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('metadata.generation the condition was computed from.'),
    lastTransitionTime: z.iso.datetime().describe('When the status last changed.'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .describe('CamelCase machine-readable reason for the last transition.'),
    message: z.string().max(32768).default('').describe('Human-readable details of the last transition.'),
  })
  .strict();

export const ConditionsSchema = z
  .array(ConditionSchema)
  .max(16)
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
  .describe('Latest observations of the object, one per condition type (metav1.Condition).');

export const ObjectMetaSchema = z
  .object({
    name: z.string().optional(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    generation: z.number().optional(),
    resourceVersion: z.string().optional(),
    creationTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .passthrough();

export type Condition = z.infer<typeof ConditionSchema>;

/** `status.observedGeneration`, shared by every kind: which metadata.generation the status describes. */
export const ObservedGenerationSchema = z
  .number()
  .int()
  .min(0)
  .optional()
  .describe('metadata.generation the status describes.');
