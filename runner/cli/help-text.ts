export const MAIN_HELP = `medallion — layered retail ETL (bronze → silver → gold) for laptops and Kubernetes

Usage: medallion <command> [options]

Commands:
  run        run a pipeline's steps (bronze, silver, gold) against the lake
  validate   check a pipeline spec and list every problem with its line
  inspect    list published versions of the lake and read a table of any kept version
  db         the warehouse: db migrate -f FILE applies migrations, db start -f FILE serves it for psql
  operator   run the Kubernetes operator (reconciles Pipelines, PipelineSchedules and PipelineRuns into Jobs)

Options:
  -h, --help     show help (also: medallion <command> --help)
  --version      print the version

Examples:
  medallion run -f examples/online-retail/pipeline.yaml
  medallion validate -f pipeline.yaml
  medallion inspect -f pipeline.yaml --layer gold --table kpi_monthly
`;

export const RUN_HELP = `Usage: medallion run -f FILE [options]

Runs the pipeline's steps in order. Each step writes to a staging area, audits what it wrote and publishes it
atomically; a failed step publishes nothing and the previous version stays readable.

Options:
  -f, --file FILE          pipeline spec (YAML), required
  --steps a,b              run only these steps (bronze, silver, gold, warehouse), in this order
  --source-uri URI         read sources from here instead of spec.source.uri (relative to the current directory)
  --lake DIR               use this lake directory instead of spec.lake.uri (relative to the current directory)
  --summary-json PATH      also write the run summary JSON here
  --termination-log PATH   write the compact step report for Kubernetes (e.g. /dev/termination-log)
  -q, --quiet              no progress output, only the summary table
  -h, --help               show this help

Exit status: 0 Succeeded or Degraded, 1 Failed, 2 usage or spec error.
Environment: MEDALLION_LOG_LEVEL (info), MEDALLION_LOG_FORMAT (pretty on a terminal, json otherwise).
`;

export const VALIDATE_HELP = `Usage: medallion validate -f FILE

Validates a pipeline spec against the schema (the same one the Kubernetes CRD uses) and prints every problem at
once, each with its path and line. Exit status: 0 valid, 2 invalid.

Options:
  -f, --file FILE    pipeline spec (YAML), required
  --print            print the spec with all defaults filled in (JSON)
  -h, --help         show this help
`;

export const INSPECT_HELP = `Usage: medallion inspect -f FILE [options]

Without --table: lists the published versions of silver and gold (the current one marked) and the bronze
manifest. With --table: prints rows of that table from the current version or from --version.

Options:
  -f, --file FILE      pipeline spec (for the lake location and dataset), required
  --lake DIR           lake directory instead of spec.lake.uri
  --layer LAYER        silver or gold (default gold)
  --table NAME         table to read, e.g. kpis, kpi_monthly, rfm, sales_lines, quarantine
  --version V          a kept version id (see the listing); default the current one
  --limit N            rows to print (default 20)
  --json               print JSON instead of a table
  -h, --help           show this help
`;

export const DB_HELP = `Usage: medallion db migrate|start -f FILE

The warehouse is the PostgreSQL star schema named by the spec's warehouse section, or DATABASE_URL; with neither,
an embedded PostgreSQL under .medallion/warehouse.

  migrate   applies pending migrations (the warehouse step runs them too before each load)
  start     starts the warehouse if it is the embedded one, prints how to connect with psql, and keeps it
            running until Ctrl-C — for browsing the warehouse after \`medallion run\`

Options:
  -f, --file FILE    pipeline spec (YAML), required
  -h, --help         show this help
`;
