import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { TRIGGER_RESULTS, type TriggerResult } from '../spec/trigger-spec.js';

/**
 * The file-arrival trigger's metrics. Poll results and listing cost are summed over all schedules (a rate per poll
 * is their ratio); the per-schedule series (files, errors) are bounded by the PipelineSchedules with a trigger and
 * removed with them.
 */
export function createTriggerMetrics(registry: Registry) {
  return {
    triggerPolls: new Counter({
      name: 'medallion_trigger_polls_total',
      help: 'File-trigger polls by decision: created, nothing_new, settling, waiting (a run is active) or error.',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    triggerPollDuration: new Histogram({
      name: 'medallion_trigger_poll_duration_seconds',
      help: 'Time of one file-trigger poll: the source listing and, when needed, the bronze manifest read.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    triggerListCalls: new Counter({
      name: 'medallion_trigger_list_calls_total',
      help: 'Storage list calls made by file-trigger polls (S3: ListObjectsV2 pages; a directory walk counts one).',
      registers: [registry],
    }),
    triggerObjectsListed: new Counter({
      name: 'medallion_trigger_listed_objects_total',
      help: 'Objects (files) returned by file-trigger listings.',
      registers: [registry],
    }),
    triggerManifestReads: new Counter({
      name: 'medallion_trigger_manifest_reads_total',
      help: 'Bronze manifest reads by file-trigger polls (only when a listed name is not known to be ingested).',
      registers: [registry],
    }),
    triggerFiles: new Gauge({
      name: 'medallion_trigger_files',
      help: 'Source files the last poll of a schedule saw (state="seen") and those not yet ingested or claimed (state="new").',
      labelNames: ['namespace', 'schedule', 'state'] as const,
      registers: [registry],
    }),
    triggerErrors: new Counter({
      name: 'medallion_trigger_errors_total',
      help: 'File-trigger polls that failed (the source or the manifest could not be read), by schedule.',
      labelNames: ['namespace', 'schedule'] as const,
      registers: [registry],
    }),
  };
}

type TriggerMetrics = ReturnType<typeof createTriggerMetrics>;
interface Labels {
  namespace: string;
  schedule: string;
}

export function recordTriggerPoll(
  m: TriggerMetrics,
  labels: Labels,
  p: {
    result: TriggerResult;
    seconds: number;
    filesSeen: number;
    filesNew: number;
    cost?: { listCalls: number; objectsListed: number; manifestReads: number };
  },
) {
  // Present at 0 from the start, so rate() and increase() see the first one.
  for (const r of TRIGGER_RESULTS) m.triggerPolls.inc({ result: r }, 0);
  m.triggerPolls.inc({ result: p.result });
  m.triggerErrors.inc(labels, p.result === 'error' ? 1 : 0);
  m.triggerPollDuration.observe(p.seconds);
  m.triggerFiles.set({ ...labels, state: 'seen' }, p.filesSeen);
  m.triggerFiles.set({ ...labels, state: 'new' }, p.filesNew);
  if (p.cost) {
    m.triggerListCalls.inc(p.cost.listCalls);
    m.triggerObjectsListed.inc(p.cost.objectsListed);
    m.triggerManifestReads.inc(p.cost.manifestReads);
  }
}

export function forgetTrigger(m: TriggerMetrics, labels: Labels) {
  m.triggerErrors.remove(labels);
  for (const state of ['seen', 'new']) m.triggerFiles.remove({ ...labels, state });
}
