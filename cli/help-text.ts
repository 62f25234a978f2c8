/** `{commands}` is filled from the command table (cli/commands.ts). */
export const MAIN_HELP = `medallion — layered retail ETL (bronze → silver → gold) for laptops and Kubernetes

Usage: medallion <command> [options]

Commands:
{commands}

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
atomically; a failed step publishes nothing and the previous version stays readable. Silver, gold and the warehouse
recompute only the business-date partitions new bronze rows touch; the summary lists them per step.

Options:
  -f, --file FILE          pipeline spec (YAML), required
  --steps a,b              run only these steps (bronze, silver, gold, warehouse), in this order
  --source-uri URI         read sources from here instead of spec.source.uri (relative to the current directory)
  --lake DIR               use this lake directory instead of spec.lake.uri (relative to the current directory)
  --summary-json PATH      also write the run summary JSON here
  --termination-log PATH   write the compact step report for Kubernetes (e.g. /dev/termination-log)
  --full-refresh           rebuild every partition of silver, gold and the warehouse from all of bronze,
                           instead of only the business dates new bronze rows touch
  --partitions DATES       backfill: recompute only these business dates (2011-03-01..2011-03-31, or a
                           comma list of dates and ranges) from the bronze already ingested; each date
                           succeeds or fails on its own, failed ones keep their content (docs/backfills.md)
  --files a.csv,b.csv      bronze ingests only these source files (names relative to the source, as the
                           manifest records them), not every new one; a name not in the source fails the
                           run and publishes nothing. --files @PATH reads the names from PATH, one a line
  -q, --quiet              no progress output, only the summary table
  -h, --help               show this help

Exit status: 0 Succeeded or Degraded, 1 Failed (also: a backfill partition failed), 2 usage or spec error.
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

export const LAKE_HELP = `Usage: medallion lake <subcommand> [options]

Subcommands:
  gc     list (dry run, the default) or delete with --apply what no commit references

Run medallion lake gc --help for its options.
`;

export const LAKE_GC_HELP = `Usage: medallion lake gc -f FILE [--lake URI] [--apply] [--grace DURATION]

Finds what no commit references: bronze parts no manifest entry names (runs that lost a commit race or were
killed), silver/gold versions that are neither CURRENT nor kept in its history, and staging directories left by
killed runs. Only what is older than the grace period is considered: younger objects may belong to a run still in
flight. Without --apply nothing is deleted; each orphan is listed with its kind, location, size and age.

Options:
  -f, --file FILE      pipeline spec (for the lake location, dataset and retainVersions), required
  --lake URI           lake directory or s3://bucket/prefix instead of spec.lake.uri
  --apply              delete the orphans (default: dry run, list only)
  --grace DURATION     minimum age of an orphan, e.g. 30m, 6h, 2d (default 6h; 0 when no run can be in flight)
  -h, --help           show this help

Exit status: 0 done (also when there is nothing to collect), 1 failed, 2 usage or spec error.
Environment: AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY for an S3 lake;
MEDALLION_WORK_DIR for the local scratch (staging) of an S3 lake.
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

export const API_HELP = `Usage: medallion api [options]

Serves the read API: runs (from the cluster and the run history), sales lines, KPIs, products and product search,
with an OpenAPI document at /openapi.json and interactive docs at /docs. Every /api/v1 route needs a bearer JWT
(Authorization: Bearer ...) or an API key (X-API-Key: ...); /healthz, /readyz, /metrics and the docs are public.

Options:
  -p, --port N          port (default $PORT or 8080; 0 picks a free one)
  --host H              address to bind (default 127.0.0.1; 0.0.0.0 in a container)
  -f, --file FILE       pipeline spec whose warehouse section to use (default: the warehouse defaults)
  --kubeconfig PATH     serve runs from this cluster (default $KUBECONFIG; in a pod, its service account)
  --namespace NS        only this namespace's pipelines and runs (default all)
  -h, --help            show this help

The warehouse: DATABASE_URL, or the spec's url/urlFromEnv; with none, the embedded PostgreSQL (as medallion db start).
Environment: PORT, MEDALLION_JWT_SECRET (HS256, at least 32 characters) or MEDALLION_JWT_PUBLIC_KEY(_FILE) (RS256),
MEDALLION_API_RATE_LIMIT (requests per minute per key, default 600), TYPESENSE_URL and
TYPESENSE_API_KEY (product search; PostgreSQL full-text search without them), MEDALLION_WAREHOUSE_SCHEMA,
MEDALLION_LOG_LEVEL. See docs/api.md.
`;

export const TOKEN_HELP = `Usage: medallion token create --role R [--subject S] [--ttl 12h] [--private-key key.pem]
       medallion token create-key --role R --name N [--rate-limit N] [-f FILE]
       medallion token revoke-key --id KEY_ID [-f FILE]

create       prints a JWT for the read API, signed HS256 with MEDALLION_JWT_SECRET (or RS256 with --private-key,
             a PKCS#8 PEM whose public key the API has in MEDALLION_JWT_PUBLIC_KEY)
create-key   creates an API key in the warehouse (stored as a SHA-256 hash) and prints it once
revoke-key   revokes an API key by its id (the part after mdk_)

Roles: viewer (read), operator (read and trigger runs), admin (also manage API keys).

Options:
  --role R           viewer, operator or admin
  --subject S        the token's subject (default local-<role>); it keys the rate limit and the audit log
  --ttl D            lifetime: 30m, 12h, 7d ... (default 12h)
  --name N           who the API key is for
  --rate-limit N     requests per minute for this key (default the API's MEDALLION_API_RATE_LIMIT)
  -f, --file FILE    pipeline spec whose warehouse section to use (as medallion api -f)
  -h, --help         show this help
`;

export const DB_MIGRATE_HELP = `Usage: medallion db migrate -f FILE

Applies pending migrations to the warehouse: the spec's warehouse section, or DATABASE_URL; with neither, the
embedded PostgreSQL under .medallion/warehouse. The warehouse step also runs them before each load.

Options:
  -f, --file FILE    pipeline spec (YAML), required
  -h, --help         show this help
`;

export const DB_START_HELP = `Usage: medallion db start -f FILE

Starts the warehouse if it is the embedded one (or checks a configured one), prints how to connect with psql and
keeps it running until Ctrl-C — for browsing the warehouse after \`medallion run\`.

Options:
  -f, --file FILE    pipeline spec (YAML), required
  -h, --help         show this help
`;

export const TOKEN_CREATE_HELP = `Usage: medallion token create --role R [--subject S] [--ttl 12h] [--private-key key.pem]

Prints a JWT for the read API, signed HS256 with MEDALLION_JWT_SECRET (or RS256 with --private-key, a PKCS#8 PEM
whose public key the API has in MEDALLION_JWT_PUBLIC_KEY).

Options:
  --role R             viewer (read), operator (read and trigger runs) or admin (also manage API keys)
  --subject S          the token's subject (default local-<role>); it keys the rate limit and the audit log
  --ttl D              lifetime: 30m, 12h, 7d ... (default 12h)
  --private-key PATH   sign RS256 with this PKCS#8 PEM instead
  -h, --help           show this help
`;

export const TOKEN_CREATE_KEY_HELP = `Usage: medallion token create-key --role R --name N [--rate-limit N] [-f FILE]

Creates an API key in the warehouse (stored as a SHA-256 hash) and prints it once.

Options:
  --role R           viewer, operator or admin
  --name N           who the API key is for
  --rate-limit N     requests per minute for this key (default the API's MEDALLION_API_RATE_LIMIT)
  -f, --file FILE    pipeline spec whose warehouse section to use (as medallion api -f)
  -h, --help         show this help
`;

export const TOKEN_REVOKE_KEY_HELP = `Usage: medallion token revoke-key --id KEY_ID [-f FILE]

Revokes an API key by its id (the part after mdk_). Exit status 1 when no active key has that id.

Options:
  --id KEY_ID        the key's id
  -f, --file FILE    pipeline spec whose warehouse section to use (as medallion api -f)
  -h, --help         show this help
`;
