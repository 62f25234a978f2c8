import { z } from 'zod';
import { ConcurrencySchema } from './concurrency-spec.js';
import { DNS_LABEL, QuantitySchema, withCel } from './kubernetes-schema.js';

/**
 * `spec.job` of the Pipeline custom resource: how the operator runs each step as a Kubernetes Job. It is the only
 * field the CRD adds to the runner's spec. The local runner (medallion run / validate) validates it like the
 * apiserver does, so one manifest serves both, and then ignores it.
 */

const ResourceListSchema = z
  .object({
    cpu: QuantitySchema.optional().describe('CPU, for example 500m or 2.'),
    memory: QuantitySchema.optional().describe('Memory, for example 512Mi or 4Gi.'),
    'ephemeral-storage': QuantitySchema.optional().describe('Local scratch space, for example 10Gi.'),
  })
  .strict();

const KeyRefSchema = z
  .object({
    name: z.string().min(1).max(253).describe('Name of the Secret or ConfigMap in the pipeline namespace.'),
    key: z.string().min(1).max(253).describe('Key within it.'),
    optional: z.boolean().default(false).describe('Start the step even when the key is missing.'),
  })
  .strict();

const EnvVarSchema = withCel(
  z
    .object({
      name: z
        .string()
        .min(1)
        .max(256)
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .describe('Environment variable name.'),
      value: z.string().max(32768).optional().describe('Literal value.'),
      secretKeyRef: KeyRefSchema.optional().describe('Take the value from a key of a Secret.'),
      configMapKeyRef: KeyRefSchema.optional().describe('Take the value from a key of a ConfigMap.'),
    })
    .strict()
    .describe('One environment variable of the step containers.'),
  {
    rule: '[has(self.value), has(self.secretKeyRef), has(self.configMapKeyRef)].filter(x, x).size() == 1',
    message: 'set exactly one of value, secretKeyRef or configMapKeyRef',
  },
  (e) => [e.value, e.secretKeyRef, e.configMapKeyRef].filter((x) => x !== undefined).length === 1,
);

const EnvFromSchema = withCel(
  z
    .object({
      secretRef: z
        .string()
        .min(1)
        .max(253)
        .optional()
        .describe('Name of a Secret whose keys become variables.'),
      configMapRef: z
        .string()
        .min(1)
        .max(253)
        .optional()
        .describe('Name of a ConfigMap whose keys become variables.'),
      prefix: z.string().max(64).optional().describe('Prefix added to every variable name.'),
    })
    .strict()
    .describe('A Secret or ConfigMap whose keys all become environment variables.'),
  {
    rule: 'has(self.secretRef) != has(self.configMapRef)',
    message: 'set exactly one of secretRef or configMapRef',
  },
  (e) => (e.secretRef === undefined) !== (e.configMapRef === undefined),
);

export const StepJobSchema = z
  .object({
    image: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe("Container image of the step runner; defaults to the operator's --step-image."),
    imagePullPolicy: z
      .enum(['Always', 'IfNotPresent', 'Never'])
      .default('IfNotPresent')
      .describe('When the kubelet pulls the image.'),
    serviceAccountName: z
      .string()
      .max(253)
      .regex(DNS_LABEL)
      .optional()
      .describe("ServiceAccount the step pods run as; defaults to the namespace's default."),
    resources: z
      .object({
        requests: ResourceListSchema.optional().describe(
          'Resources the scheduler reserves for each step pod.',
        ),
        limits: ResourceListSchema.optional().describe('Resources each step pod may not exceed.'),
      })
      .strict()
      .prefault({})
      .describe('Compute resources of each step container.'),
    env: z
      .array(EnvVarSchema)
      .max(128)
      .default([])
      .describe('Extra environment variables of the step containers.'),
    envFrom: z
      .array(EnvFromSchema)
      .max(32)
      .default([])
      .describe('Secrets and ConfigMaps exposed as variables.'),
    lakeVolume: z
      .object({
        claimName: z.string().min(1).max(253).describe('PersistentVolumeClaim holding the lake.'),
        mountPath: z
          .string()
          .regex(/^\/.*/, 'must be an absolute path')
          .max(1024)
          .default('/var/lib/medallion/lake')
          .describe('Where the claim is mounted in step pods; the lake URI resolves there.'),
        subPath: z.string().max(1024).optional().describe('Sub-directory of the claim to mount.'),
      })
      .strict()
      .optional()
      .describe(
        'Volume every step mounts for the lake; without it steps use an emptyDir (tests and demos only).',
      ),
    nodeSelector: z
      .record(z.string(), z.string())
      .optional()
      .describe('Node labels step pods must be scheduled on.'),
  })
  .strict()
  .prefault({})
  .describe('How the operator runs each step as a Kubernetes Job.');

/** The Pipeline resource's fields that only Kubernetes uses, added to the runner's spec by the CRD. */
export const KUBERNETES_ONLY_SPEC_FIELDS = { job: StepJobSchema, concurrency: ConcurrencySchema } as const;

export type StepJob = z.infer<typeof StepJobSchema>;
