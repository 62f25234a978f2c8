/**
 * The error catalogue. Expected failures (bad rows, quality failures) are data, never errors; these classes are
 * for things a user must fix (spec, source files) or infrastructure faults. `code` is stable for tools and tests.
 */
export type ErrorCode =
  | 'SPEC_INVALID'
  | 'SPEC_UNREADABLE'
  | 'USAGE'
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_UNREADABLE'
  | 'SOURCE_SCHEMA'
  | 'SOURCE_CHANGED'
  | 'LAKE_STATE'
  | 'STEP_PRECONDITION'
  | 'ENGINE'
  | 'STORAGE'
  | 'CONFLICT';

export class MedallionError extends Error {
  readonly code: ErrorCode;
  /** What the user should do next; printed by the CLI under the message. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

export interface SpecIssue {
  path: string;
  message: string;
  line?: number;
}

export class SpecError extends MedallionError {
  readonly file: string;
  readonly issues: SpecIssue[];
  constructor(file: string, issues: SpecIssue[], options: { cause?: unknown } = {}) {
    super(
      'SPEC_INVALID',
      `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the pipeline spec`,
      {
        ...options,
        hint: 'Fix the fields listed above; docs/pipeline-spec.md documents every field.',
      },
    );
    this.file = file;
    this.issues = issues;
  }
}

export class UsageError extends MedallionError {
  constructor(message: string, hint = 'Run with --help to see the options.') {
    super('USAGE', message, { hint });
  }
}

/** A source file (or the source location) cannot be used as it is; the step fails and publishes nothing. */
export class SourceError extends MedallionError {
  readonly file: string | undefined;
  constructor(
    code: 'SOURCE_NOT_FOUND' | 'SOURCE_UNREADABLE' | 'SOURCE_SCHEMA' | 'SOURCE_CHANGED',
    message: string,
    options: { file?: string; cause?: unknown; hint?: string } = {},
  ) {
    super(code, message, options);
    this.file = options.file;
  }
}

export class LakeError extends MedallionError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('LAKE_STATE', message, options);
  }
}

export class StepPreconditionError extends MedallionError {
  constructor(message: string, hint?: string) {
    super('STEP_PRECONDITION', message, hint === undefined ? {} : { hint });
  }
}

/** Object storage or the lake directory refused or failed an operation (credentials, bucket, network, disk). */
export class StorageError extends MedallionError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('STORAGE', message, options);
  }
}

/** A commit lost a race with a concurrent run and could not be re-planned; nothing was published. */
export class ConflictError extends MedallionError {
  constructor(message: string, hint?: string) {
    super('CONFLICT', message, {
      hint: hint ?? 'Another run changed the lake while this one worked; run again to build on its result.',
    });
  }
}

export const isMedallionError = (e: unknown): e is MedallionError => e instanceof MedallionError;
