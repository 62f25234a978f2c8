import { z } from 'zod';

/**
 * `PipelineSchedule.spec.trigger`: run when new source files arrive rather than (or as well as) on a clock. The
 * operator lists the Pipeline's source itself on every poll; see docs/triggers.md.
 */

export const OnNewFilesSchema = z
  .object({
    pollIntervalSeconds: z
      .number()
      .int()
      .min(5)
      .max(86400)
      .default(60)
      .describe('How often the operator lists the source (each poll is jittered by up to 10%).'),
    settleSeconds: z
      .number()
      .int()
      .min(0)
      .max(86400)
      .default(30)
      .describe(
        'A file is taken only once its size and modification stamp (S3: ETag) have stayed the same for this long, so half-written files are left for a later poll.',
      ),
    maxFilesPerRun: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(20)
      .describe('The most files one triggered run is created for; the rest wait for the next poll.'),
  })
  .strict()
  .describe('Create a run when settled source files appear that the bronze manifest does not hold.');

export const TriggerSpecSchema = z
  .object({ onNewFiles: OnNewFilesSchema })
  .strict()
  .describe('Event triggers of the schedule (besides or instead of spec.schedule).');

export const TRIGGER_RESULTS = ['created', 'nothing_new', 'settling', 'waiting', 'error'] as const;
export type TriggerResult = (typeof TRIGGER_RESULTS)[number];

const ClaimSchema = z
  .object({
    run: z.string().describe('The PipelineRun created for these files.'),
    files: z
      .array(z.string().max(1024))
      .max(100)
      .describe('Source file names (relative to the source root) the run was created for.'),
  })
  .strict();

export const TriggerStatusSchema = z
  .object({
    lastPollTime: z.iso
      .datetime()
      .optional()
      .describe(
        'When a poll last changed this status (a poll that finds the same is not written, to spare the apiserver).',
      ),
    lastResult: z.enum(TRIGGER_RESULTS).optional().describe('What the last poll decided.'),
    message: z.string().max(1024).optional().describe('Details of the last poll (the error, if it failed).'),
    filesSeen: z.number().int().min(0).optional().describe('Source files the last poll listed.'),
    filesNew: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Listed files neither in the bronze manifest nor claimed by a run (settled or not).'),
    lastTriggerTime: z.iso.datetime().optional().describe('When the last triggered run was created.'),
    claims: z
      .array(ClaimSchema)
      .max(50)
      .optional()
      .describe(
        'Runs created for files that the bronze manifest does not hold yet: these files are never claimed again.',
      ),
  })
  .strict()
  .describe('State of the file-arrival trigger, written by the operator.');

export type OnNewFiles = z.infer<typeof OnNewFilesSchema>;
export type TriggerStatus = z.infer<typeof TriggerStatusSchema>;
export type TriggerClaim = z.infer<typeof ClaimSchema>;
