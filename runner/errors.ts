/**
 * The error catalogue: every error class of the project extends MedallionError, so the CLI, the run summary and
 * the API read one `code`, `hint` and `cause`. Expected failures (bad rows, quality failures) are data, never
 * errors; these classes are for things a user must fix (spec, source files) or infrastructure faults.
 * `code` is stable for tools and tests. Lives under runner/ because every other folder may import runner/.
 */
export type ErrorCode =
  // The command line, the spec and the environment.
  | 'SPEC_INVALID'
  | 'SPEC_UNREADABLE'
  | 'USAGE'
  | 'CONFIG_INVALID'
  // Source files, the lake and the steps.
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_UNREADABLE'
  | 'SOURCE_SCHEMA'
  | 'SOURCE_CHANGED'
  | 'LAKE_STATE'
  | 'STEP_PRECONDITION'
  | 'ENGINE'
  | 'STORAGE'
  // The warehouse (runner/warehouse/errors.ts).
  | 'WAREHOUSE_CONFIG'
  | 'WAREHOUSE_CONNECT'
  | 'WAREHOUSE_EMBEDDED'
  | 'WAREHOUSE_MIGRATION'
  | 'WAREHOUSE_INPUT'
  | 'WAREHOUSE_LOAD'
  // Product search (runner/search/errors.ts).
  | 'SEARCH_CONFIG'
  | 'SEARCH_AUTH'
  | 'SEARCH_UNAVAILABLE'
  | 'SEARCH_IMPORT'
  | 'SEARCH_INDEX'
  | 'SEARCH_INPUT'
  | 'SEARCH_NOT_INDEXED'
  | 'SEARCH_BAD_QUERY'
  | 'SEARCH_QUERY'
  // One failed enrichment HTTP attempt (runner/enrichment/http-errors.ts); never escapes enrichment.
  | 'ENRICHMENT_HTTP'
  // The operator: Kubernetes API calls, cron schedules, CRD generation.
  | 'KUBE_API'
  | 'CRON_INVALID'
  | 'CRD_SCHEMA'
  // The kubectl plugin (cli/kubectl): the cluster cannot be reached, lacks the CRDs, or runs an older operator.
  | 'KUBE_UNREACHABLE'
  | 'CRDS_MISSING'
  | 'OPERATOR_OUTDATED'
  // The read API's client errors (api/errors.ts); their HTTP status is in api/error-table.ts.
  | 'BAD_REQUEST'
  | 'INVALID_CURSOR'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'NO_CLUSTER'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'NOT_READY'
  | 'CHECK_NOT_FOUND'
  // Anything that is not one of the above: a bug or a fault nobody classified.
  | 'INTERNAL';

/**
 * What to do next when the thrower gave no hint of its own, so every failure the CLI prints ends with a hint.
 * The API codes have none: the API answers with the thrower's hint or the one in api/error-table.ts.
 */
const DEFAULT_HINTS: Partial<Record<ErrorCode, string>> = {
  CONFIG_INVALID: 'Fix the environment variables listed above; the README lists every MEDALLION_* variable.',
  SPEC_UNREADABLE: 'Check the path given with -f and that the file is readable YAML.',
  ENGINE:
    'The SQL engine failed; the message names the statement. Check memory (spec.engine) and disk space.',
  LAKE_STATE: 'The lake folder is not in the expected state; see docs/lake-layout.md.',
  WAREHOUSE_CONFIG:
    'Set warehouse.url or DATABASE_URL to a postgres:// or postgresql:// URL, or enable warehouse.embedded.',
  WAREHOUSE_CONNECT:
    'Check that the PostgreSQL server is running and that the URL, user and password are right.',
  WAREHOUSE_EMBEDDED: 'The embedded PostgreSQL did not start; check warehouse.embedded.dataDir and the port.',
  WAREHOUSE_MIGRATION: 'A warehouse migration failed; see the cause, fix it and run medallion db migrate.',
  WAREHOUSE_INPUT: 'Run the gold step first: medallion run -f pipeline.yaml.',
  WAREHOUSE_LOAD: 'Loading the warehouse failed; the previous load stays current. See the cause in the logs.',
  SEARCH_CONFIG: 'Set both TYPESENSE_URL and TYPESENSE_API_KEY, or neither (PostgreSQL search).',
  SEARCH_AUTH: 'Check TYPESENSE_API_KEY.',
  SEARCH_UNAVAILABLE: 'Check that the search backend is running and reachable.',
  SEARCH_IMPORT:
    'Documents were rejected; the previous index stays live. See the logs for the first rejections.',
  SEARCH_INDEX: 'Building the index failed; the previous index stays live. See the cause in the logs.',
  SEARCH_INPUT: 'Run the silver and gold steps first: medallion run -f pipeline.yaml.',
  SEARCH_NOT_INDEXED: 'Run the search step: medallion run -f pipeline.yaml --steps search',
  SEARCH_BAD_QUERY: 'Fix the query parameters.',
  SEARCH_QUERY: 'The search backend failed the query; see the cause in the logs.',
  ENRICHMENT_HTTP: 'The provider failed; enrichment falls back to its cache or bundled data.',
  KUBE_API: 'Check the cluster connection and the RBAC rules of the service account.',
  CRON_INVALID:
    'Fix spec.schedule: five cron fields or a macro such as @daily; spec.timeZone is an IANA name.',
  KUBE_UNREACHABLE: 'Check --kubeconfig, --context and that the cluster is up (kubectl cluster-info).',
  CRDS_MISSING: 'Install the Medallion operator and its CRDs: helm install medallion charts/medallion.',
  OPERATOR_OUTDATED: 'Upgrade the Medallion operator and its CRDs (helm upgrade medallion charts/medallion).',
  CRD_SCHEMA: 'The zod schema cannot be expressed as a Kubernetes structural schema; see operator/crd-gen.',
  INTERNAL:
    'This is unexpected: rerun with MEDALLION_LOG_LEVEL=debug and report the command, its output and the logs.',
};

export interface ErrorOptions {
  cause?: unknown;
  hint?: string | undefined;
}

export class MedallionError extends Error {
  readonly code: ErrorCode;
  /** What the user should do next; printed by the CLI under the message. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint ?? DEFAULT_HINTS[code];
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

/** The environment of a process does not parse (runner/config.ts, api/config.ts). */
export class ConfigError extends MedallionError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('CONFIG_INVALID', message, options);
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
  constructor(message: string, options: ErrorOptions = {}) {
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

/** Classifies anything thrown: a MedallionError as it is, anything else as INTERNAL with the original as cause. */
export function toMedallionError(e: unknown): MedallionError {
  if (isMedallionError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new MedallionError('INTERNAL', message || 'unexpected error', { cause: e });
}
