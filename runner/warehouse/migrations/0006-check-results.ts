/**
 * Version 6: results of the user-declared quality checks (spec.quality.checks, issue 15), one row per check and run.
 * Kept apart from run_history and without a foreign key: the per-check history (and the observed values anomaly checks
 * compare with) must outlive runs pruned from the cluster and any clean-up of run_history. `run_started_at` orders a
 * check's history; the index serves the API's keyset pages of one check over time.
 */
export const CHECK_RESULTS_SQL = `
CREATE TABLE run_check_results (
  run_id            text COLLATE "C" NOT NULL,
  check_name        text COLLATE "C" NOT NULL,
  pipeline          text NOT NULL,
  namespace         text,
  run_started_at    timestamptz NOT NULL,
  step              text NOT NULL,
  kind              text NOT NULL,
  severity          text NOT NULL CHECK (severity IN ('error', 'warn')),
  status            text NOT NULL CHECK (status IN ('passed', 'failed', 'insufficientHistory', 'errored')),
  layer             text NOT NULL,
  table_name        text NOT NULL,
  scope             text NOT NULL,
  failing_rows      bigint NOT NULL,
  observed          double precision,
  expected          text,
  message           text NOT NULL,
  sample_key        text,
  duration_seconds  double precision NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, check_name)
);
COMMENT ON TABLE run_check_results IS 'User-declared quality check results per run (spec.quality.checks); outlives pruned runs.';
COMMENT ON COLUMN run_check_results.observed IS 'The measured value (row count, null count, anomaly metric...), the series anomaly checks read.';
CREATE INDEX run_check_results_history ON run_check_results (pipeline, check_name, run_started_at DESC, run_id DESC);
`;
