import { z } from 'zod';

/**
 * `spec.concurrency` of the Pipeline custom resource: how many of its runs the operator lets run at once. Runs over
 * the cap stay Pending (reason WaitingForSlot) and start in creation order as slots free. Kubernetes-only, like
 * `spec.job`: the local runner validates it and ignores it.
 */
export const ConcurrencySchema = z
  .object({
    maxRuns: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        "Runs of this pipeline that may be Running at once; unlimited when omitted (the operator's cluster-wide cap still applies).",
      ),
  })
  .strict()
  .prefault({})
  .describe('Limits on the runs of this pipeline that run at once.');

export type Concurrency = z.infer<typeof ConcurrencySchema>;
