/** The shapes of the /api/v1 answers the console reads (docs/api.md). */
export interface Overview {
  namespace: string | null;
  name: string;
  last_run: {
    id: string;
    phase: string;
    started_at: string;
    finished_at: string | null;
    quality_score: number | null;
  } | null;
  last_success_at: string | null;
  schedule: string | null;
  next_due_at: string | null;
  freshness: 'fresh' | 'late' | 'never' | 'unscheduled';
  durations: { run_id: string; started_at: string; duration_ms: number; phase: string }[];
}

export interface Run {
  id: string;
  pipeline: string;
  phase: string;
  started_at: string;
  finished_at: string | null;
  steps: {
    name: string;
    phase: string;
    rows_in: number | null;
    rows_out: number | null;
    duration_ms: number | null;
    message: string | null;
  }[];
  quality_score: number | null;
  error: { code: string; message: string; hint?: string } | null;
}

export interface Quality {
  score: number | null;
  report: {
    checks?: { name: string; severity: string; status: string; observed: number; threshold: number }[];
  } | null;
}

export interface LineageEvent {
  eventType: string;
  eventTime: string;
  job: { namespace: string; name: string };
  inputs?: { namespace: string; name: string }[];
  outputs?: { namespace: string; name: string }[];
}

export interface Provider {
  source?: string;
  breakerState?: string;
  calls?: number;
  failures?: number;
  lastError?: string;
}

export interface Silver {
  source: 'lake' | 'lineage' | 'none';
  counts: {
    bronze_rows: number;
    silver_rows: number;
    quarantined: number;
    duplicates: number;
    quarantine_by_rule: Record<string, number>;
    line_types: Record<string, number>;
  } | null;
  samples: { rule: string; rows: Record<string, string | number | null>[] }[];
  enrichment: { currency?: Provider; country?: Provider; product?: Provider } | null;
}

export interface Measures {
  revenue: string;
  orders: number;
  customers: number;
  units: number;
  revenue_eur: string | null;
  revenue_usd: string | null;
}
export type Point = Measures & { period: string };
export type Summary = Measures & { average_order_value: string | null };
export type CountryRow = Measures & { country: string };
export interface CategoryRow {
  category: string | null;
  revenue: string;
  units: number;
  orders: number;
  revenue_eur: string | null;
  revenue_usd: string | null;
}
export interface TopProduct {
  rank: number;
  stock_code: string;
  description: string | null;
  category: string | null;
  revenue: string;
  units: number;
  orders: number;
}
export interface RfmSegment {
  segment: string;
  customers: number;
  monetary: string;
  average_recency_days: number;
  average_frequency: number;
}
export interface Cohort {
  cohort_month: string;
  period: number;
  cohort_size: number;
  customers: number;
  retention_rate: number;
}

export interface SearchHit {
  stock_code: string;
  description: string;
  category: string;
  price_min: number;
  price_max: number;
  countries: string[];
  revenue: number;
}
export interface SearchResult {
  found: number;
  engine: string;
  hits: SearchHit[];
  facets: { category: { value: string; count: number }[]; country: { value: string; count: number }[] };
}

export interface Timeline {
  source: 'lineage' | 'steps' | 'none';
  spans: { step: string; attempt: number; started_at: string; finished_at: string | null; phase: string }[];
}

/** GET /api/v1/runs/{id}/checks: the user-declared checks of a run. */
export interface RunChecks {
  run_id: string;
  tally: { passed: number; failed: number; warned: number; insufficient_history: number };
  checks: {
    name: string;
    kind: string;
    severity: 'error' | 'warn';
    status: 'passed' | 'failed' | 'insufficientHistory' | 'errored';
    step: string;
    table: string;
    layer: string;
    failing_rows: number;
    observed: number | null;
    expected: string | null;
    message: string;
    sample_key: string | null;
  }[];
}
