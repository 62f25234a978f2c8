import { z } from 'zod';

/**
 * Settings of an S3 (or S3-compatible) object store, for `s3://` lake and source URIs. Every field is optional:
 * the standard AWS variables (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_REGION) and credential chain fill in
 * what the spec leaves out.
 */
export const ObjectStoreSpecSchema = z
  .object({
    endpoint: z
      .string()
      .regex(/^https?:\/\/[^/]+/, 'must be an http:// or https:// URL such as http://seaweedfs:8333')
      .optional()
      .describe(
        'S3 endpoint of a custom server (SeaweedFS, MinIO, Ceph); AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS, when absent.',
      ),
    region: z.string().min(1).optional().describe('Region; AWS_REGION, else us-east-1, when absent.'),
    forcePathStyle: z
      .boolean()
      .optional()
      .describe(
        'Path-style addressing (http://host/bucket/key); default true with a custom endpoint, false on AWS.',
      ),
    credentialsSecret: z
      .object({
        name: z.string().min(1).describe('Name of the Kubernetes Secret in the pipeline namespace.'),
      })
      .strict()
      .optional()
      .describe(
        'A Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and optionally AWS_SESSION_TOKEN) that the operator passes to step Jobs; without it the standard chain (IRSA, workload identity, env) applies.',
      ),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(5)
      .describe(
        'Attempts per request, with backoff, on throttling (503 SlowDown), 5xx and dropped connections.',
      ),
  })
  .strict()
  .prefault({})
  .describe('Object store settings for s3:// URIs.');

export type ObjectStoreSpec = z.infer<typeof ObjectStoreSpecSchema>;
