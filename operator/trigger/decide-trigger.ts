import { createHash } from 'node:crypto';
import { k8sTime } from '../core/conditions.js';
import { LABELS, boundedName } from '../core/names.js';
import { ownerReference, type PipelineRunObject, type PipelineScheduleObject } from '../core/resources.js';
import type { OnNewFiles, TriggerClaim, TriggerResult, TriggerStatus } from '../spec/trigger-spec.js';

/**
 * The file-arrival trigger's decision, as a pure function of one poll: what the source listing showed, what the
 * bronze manifest holds, which files runs already claim, and how long each file has looked the same. The adapter
 * (trigger-poller.ts) lists, then executes the run creation; the run's name is a hash of its file set, so a second
 * create of the same claim (a restart, a second replica) gets AlreadyExists instead of a second run.
 */

/** Names the source files a triggered run was created for (JSON array): claims survive a lost status write. */
export const TRIGGER_FILES_ANNOTATION = 'medallion.dev/trigger-files';

export interface ListedFile {
  /** Relative to the source root, as the bronze manifest names it. */
  name: string;
  size: number;
  /** Local: inode, size and mtime; S3: the ETag. Any write changes it. */
  etag: string;
}

/** When this process first saw a file with its current size and stamp (memory only: a restart waits anew). */
export interface SeenFile {
  sig: string;
  sinceMs: number;
}

export interface TriggerObserved {
  schedule: PipelineScheduleObject;
  trigger: OnNewFiles;
  now: Date;
  /** The listing, or why it failed. */
  listed: ListedFile[] | { error: string };
  ingested: ReadonlySet<string>;
  /** From the schedule's status, its runs' annotations and this process's recent creates (any overlap is fine). */
  claims: readonly TriggerClaim[];
  /** Unfinished runs of the schedule. */
  activeRuns: readonly string[];
  seen: ReadonlyMap<string, SeenFile>;
  /** In [0, 1): spreads polls of many schedules so that they do not list in step. */
  jitter: number;
}

export interface TriggerDecision {
  result: TriggerResult;
  run?: PipelineRunObject;
  /** The files the created run claims. */
  files: string[];
  seen: Map<string, SeenFile>;
  status: TriggerStatus;
  event?: { eventType: 'Normal' | 'Warning'; reason: string; message: string };
  /** When the next poll is due (ms since the epoch). */
  nextPollMs: number;
  filesSeen: number;
  filesNew: number;
}

const MAX_CLAIMS = 50;

/** The run name for a file set: the same files always give the same name. */
export function triggeredRunName(schedule: string, files: readonly string[]): string {
  const hash = createHash('sha256')
    .update([...files].sort().join('\n'))
    .digest('hex')
    .slice(0, 10);
  return boundedName([schedule, 'files', hash]);
}

/** Claims merged by run name, dropping those whose files the manifest now holds all of, newest kept. */
function pruneClaims(claims: readonly TriggerClaim[], ingested: ReadonlySet<string>): TriggerClaim[] {
  const byRun = new Map<string, TriggerClaim>();
  for (const c of claims) byRun.set(c.run, c);
  return [...byRun.values()].filter((c) => c.files.some((f) => !ingested.has(f))).slice(-MAX_CLAIMS);
}

function buildRun(schedule: PipelineScheduleObject, name: string, files: string[]): PipelineRunObject {
  const { metadata, spec } = schedule;
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: {
      name,
      namespace: metadata.namespace,
      labels: { [LABELS.pipeline]: spec.pipelineRef.name, [LABELS.schedule]: metadata.name },
      annotations: { [TRIGGER_FILES_ANNOTATION]: JSON.stringify(files) },
      ownerReferences: [ownerReference(schedule)],
    },
    spec: { pipelineRef: spec.pipelineRef, ...spec.runOverrides, cancelled: false, suspend: false },
  };
}

export function decideTrigger(o: TriggerObserved): TriggerDecision {
  const now = o.now.getTime();
  const prev = o.schedule.status?.trigger ?? {};
  // ±10% around the interval.
  const nextRegular = now + o.trigger.pollIntervalSeconds * 1000 * (0.9 + 0.2 * o.jitter);
  const base = { lastPollTime: k8sTime(o.now) };

  if (!Array.isArray(o.listed)) {
    return {
      result: 'error',
      files: [],
      seen: new Map(o.seen),
      status: { ...prev, ...base, lastResult: 'error', message: o.listed.error.slice(0, 1024) },
      event: { eventType: 'Warning', reason: 'TriggerFailed', message: o.listed.error.slice(0, 1024) },
      nextPollMs: nextRegular,
      filesSeen: prev.filesSeen ?? 0,
      filesNew: prev.filesNew ?? 0,
    };
  }

  const listed = o.listed;
  const claimed = new Set(o.claims.flatMap((c) => c.files));
  const settleMs = o.trigger.settleSeconds * 1000;
  const seen = new Map<string, SeenFile>();
  const settled: string[] = [];
  let nextSettle = Infinity;
  const arrived: string[] = [];
  for (const f of listed) {
    if (o.ingested.has(f.name) || claimed.has(f.name)) continue;
    const sig = `${f.size}:${f.etag}`;
    const before = o.seen.get(f.name);
    const sinceMs = before?.sig === sig ? before.sinceMs : now;
    if (before?.sig !== sig) arrived.push(f.name);
    seen.set(f.name, { sig, sinceMs });
    if (now - sinceMs >= settleMs) settled.push(f.name);
    else nextSettle = Math.min(nextSettle, sinceMs + settleMs);
  }
  settled.sort();
  const filesNew = seen.size;
  let claims = pruneClaims(o.claims, o.ingested);
  const done = (
    result: TriggerResult,
    message: string,
    extra: Partial<TriggerDecision> = {},
  ): TriggerDecision => {
    const status: TriggerStatus = {
      ...prev,
      ...base,
      lastResult: result,
      message,
      filesSeen: listed.length,
      filesNew,
      claims,
      ...(extra.status ?? {}),
    };
    if (status.claims?.length === 0) delete status.claims;
    return {
      result,
      files: [],
      seen,
      nextPollMs: Math.min(nextRegular, nextSettle),
      filesSeen: listed.length,
      filesNew,
      ...extra,
      status,
    };
  };

  // Events mark changes, not every poll: a file that appeared or changed, a wait that began. A quiet poll
  // ("nothing new") is counted by the polls metric and stamped in status.trigger only — one event per poll of
  // 1,000 schedules would flood etcd.
  const arrivals =
    arrived.length === 0
      ? {}
      : {
          event: {
            eventType: 'Normal' as const,
            reason: 'FilesSettling',
            message: `${arrived.length} new or changed file(s) wait ${o.trigger.settleSeconds}s to settle: ${arrived.slice(0, 5).join(', ')}${arrived.length > 5 ? ', …' : ''}`,
          },
        };
  if (settled.length === 0) {
    return filesNew > 0
      ? done('settling', `${filesNew} new file(s) not settled yet`, arrivals)
      : done('nothing_new', 'no new files');
  }
  // Overlapping runs of one pipeline contend for the same lake; Replace would cancel a run mid-ingest.
  if (o.activeRuns.length > 0 && o.schedule.spec.concurrencyPolicy !== 'Allow') {
    const message = `${settled.length} settled new file(s) wait for ${o.activeRuns[0]} to finish`;
    return done(
      'waiting',
      message,
      prev.lastResult === 'waiting'
        ? {}
        : { event: { eventType: 'Normal', reason: 'TriggerWaiting', message } },
    );
  }
  const files = settled.slice(0, o.trigger.maxFilesPerRun);
  const name = triggeredRunName(o.schedule.metadata.name, files);
  claims = [...claims, { run: name, files }].slice(-MAX_CLAIMS);
  const message = `created ${name} for ${files.length} new file(s): ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}`;
  return done('created', message, {
    run: buildRun(o.schedule, name, files),
    files,
    status: { lastTriggerTime: k8sTime(o.now), claims },
    event: { eventType: 'Normal', reason: 'RunTriggered', message },
  });
}
