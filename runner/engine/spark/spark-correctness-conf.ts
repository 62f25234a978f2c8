/**
 * The Spark properties Medallion's SQL needs to produce DuckDB's results: UTC wall times, zone-less timestamps,
 * exact decimals, failing casts (ANSI, with `try_` casts where a rule tolerates bad input), zstd Parquet, an in-memory
 * catalog. One list, shared by the local engine (create-spark-engine.ts, which adds its loopback-only settings) and by
 * the operator's SparkApplications (operator/run/spark-application.ts); `spec.engine.spark.conf` comes after both.
 * A contract between runner and operator: no imports, nothing but the list.
 */
export const SPARK_CORRECTNESS_CONF: Readonly<Record<string, string>> = Object.freeze({
  'spark.sql.session.timeZone': 'UTC',
  'spark.sql.parquet.compression.codec': 'zstd',
  'spark.sql.timestampType': 'TIMESTAMP_NTZ',
  'spark.sql.decimalOperations.allowPrecisionLoss': 'false',
  'spark.sql.ansi.enabled': 'true',
  'spark.sql.catalogImplementation': 'in-memory',
});

/**
 * Where the image holds the driver: the Dockerfile copies dist/, and `npm run build` copies the driver into
 * dist/runner/engine/spark/ beside the compiled engine. A SparkApplication's mainApplicationFile.
 */
export const SPARK_DRIVER_IMAGE_PATH = '/app/dist/runner/engine/spark/medallion-spark-driver.py';
