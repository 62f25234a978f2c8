/**
 * Version 5: incremental loads (issue "Incremental runs"). `warehouse_loaded_silver` remembers the silver version the
 * warehouse holds and its partition map (one row), so the next load can load only the partitions whose files
 * changed. NULL partitions (an unpartitioned lake) make the next load a full one. `warehouse_loads` records, per
 * load, whether it was full and which partitions it touched.
 */
export const INCREMENTAL_LOAD_SQL = `
CREATE TABLE warehouse_loaded_silver (
  singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  run_id          text NOT NULL,
  silver_version  text NOT NULL,
  partitions      jsonb,
  loaded_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE warehouse_loaded_silver IS 'The silver version the warehouse holds and its partition map (NULL: unpartitioned); written by each committed load.';

ALTER TABLE warehouse_loads
  ADD COLUMN silver_version  text,
  ADD COLUMN full_load       boolean,
  ADD COLUMN partitions      text[];
COMMENT ON COLUMN warehouse_loads.partitions IS 'Business-date partitions the load touched (all of them when full_load).';
`;
