/**
 * Version 4: what the read API serves besides the star schema. `run_history` keeps one row per run: the runner's
 * own runs (`medallion run` upserts its summary) and the cluster's PipelineRuns (the API mirrors them when it reads
 * them, so a run pruned from the cluster stays listed). `api_keys` holds API keys as SHA-256 hashes only. An index on
 * fact_sales (date_key, row_hash) serves the API's keyset pages of sales lines.
 */
export const RUN_HISTORY_SQL = `
CREATE TABLE run_history (
  run_id       text COLLATE "C" PRIMARY KEY,
  source       text NOT NULL CHECK (source IN ('runner', 'cluster')),
  namespace    text,
  name         text,
  pipeline     text NOT NULL,
  phase        text NOT NULL CHECK (phase IN ('Pending', 'Running', 'Succeeded', 'Degraded', 'Failed', 'Cancelled')),
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  steps        jsonb NOT NULL DEFAULT '[]',
  quality      jsonb,
  kpis         jsonb,
  enrichment   jsonb,
  lineage      jsonb NOT NULL DEFAULT '[]',
  error        jsonb,
  lake         text,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE run_history IS 'Pipeline runs: recorded by medallion run, and cluster PipelineRuns mirrored by the API.';
CREATE INDEX run_history_started ON run_history (started_at DESC, run_id DESC);
CREATE INDEX run_history_pipeline_started ON run_history (pipeline, started_at DESC, run_id DESC);

CREATE TABLE api_keys (
  key_id                 text COLLATE "C" PRIMARY KEY,
  name                   text NOT NULL,
  role                   text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  secret_sha256          text NOT NULL,
  rate_limit_per_minute  integer CHECK (rate_limit_per_minute > 0),
  created_at             timestamptz NOT NULL DEFAULT now(),
  revoked_at             timestamptz
);
-- The API pages sales lines by (business date, line id): one index makes any page an index range scan.
CREATE INDEX fact_sales_date_row ON fact_sales (date_key, row_hash);

COMMENT ON TABLE api_keys IS 'API keys of the read API: the secret is stored as its SHA-256 only; revoked keys stay for audit.';
`;
