import { z } from 'zod';
import { isTimeZone } from '../schedule/cron-times.js';
import { DNS_LABEL, withCel } from '../../runner/spec/kubernetes-schema.js';

// Moved to runner/spec so the Pipeline's Kubernetes-only fields can live there; re-exported for the other kinds.
export { withCel };

/**
 * Building blocks shared by the Medallion custom resources. Kubernetes-only annotations (CEL rules, list types,
 * int-or-string) travel as zod metadata (see runner/spec/kubernetes-schema.ts).
 */

export const API_GROUP = 'medallion.dev';
export const API_VERSION = 'v1alpha1';

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
