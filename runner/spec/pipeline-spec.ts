import { z } from 'zod';
import { QualityChecksSchema } from './quality-checks-spec.js';
import { WarehouseSpecSchema } from './warehouse-spec.js';
import { EnrichmentSpecSchema } from './enrichment-spec.js';
import { SearchSpecSchema } from './search-spec.js';
import { ObjectStoreSpecSchema } from './object-store-spec.js';

/**
 * The Pipeline spec: the single source for CLI validation and (later) the CRD's openAPIV3Schema.
 * Every field carries a description because `kubectl explain` and docs/pipeline-spec.md are generated from it.
 */

export const STEP_NAMES = ['bronze', 'silver', 'gold', 'warehouse', 'search'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const DEFAULT_NON_MERCHANDISE_CODES = [
  'POST',
  'DOT',
  'M',
  'C2',
  'D',
  'S',
  'BANK CHARGES',
  'AMAZONFEE',
  'CRUK',
  'B',
];

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const ColumnMappingSchema = z
  .object({
    invoiceNo: z.string().min(1).default('InvoiceNo').describe('Source column holding the invoice number.'),
    stockCode: z
      .string()
      .min(1)
      .default('StockCode')
      .describe('Source column holding the product stock code.'),
    description: z
      .string()
      .min(1)
      .default('Description')
      .describe('Source column holding the product description.'),
    quantity: z
      .string()
      .min(1)
      .default('Quantity')
      .describe('Source column holding the line quantity (integer).'),
    invoiceDate: z
      .string()
      .min(1)
      .default('InvoiceDate')
      .describe('Source column holding the invoice timestamp, parsed with timestampFormat.'),
    unitPrice: z
      .string()
      .min(1)
      .default('UnitPrice')
      .describe('Source column holding the unit price (decimal).'),
    customerId: z
      .string()
      .min(1)
      .default('CustomerID')
      .describe('Source column holding the customer id (optional value).'),
    country: z
      .string()
      .min(1)
      .default('Country')
      .describe('Source column holding the customer country name.'),
  })
  .strict()
  .describe(
    'Maps each canonical field to the source column it is read from (header name, or columnN without a header).',
  );

export const SourceOptionsSchema = z
  .object({
    header: z.boolean().default(true).describe('Whether the first record of each CSV file is a header row.'),
    delimiter: z.string().length(1).default(',').describe('Field delimiter of CSV files (one character).'),
    quote: z
      .string()
      .length(1)
      .default('"')
      .describe('Quote character of CSV files (doubled to escape itself).'),
    encoding: z
      .enum(['utf-8', 'latin-1'])
      .default('utf-8')
      .describe('Text encoding of the source files. Undecodable rows are quarantined as invalid_encoding.'),
    nullValues: z
      .array(z.string())
      .default([''])
      .describe(
        'Source values (after trimming) that mean "no value". Bronze keeps them as read; silver reads them as null.',
      ),
  })
  .strict()
  .describe('How source files are parsed.');

export const SourceSchema = z
  .object({
    uri: z
      .string()
      .min(1)
      .describe(
        'A directory, file or glob of source files: a plain path or a file:// URI (relative to the spec file), or s3://bucket/prefix (a prefix or a glob).',
      ),
    s3: ObjectStoreSpecSchema,
    format: z
      .enum(['csv', 'csv.gz', 'jsonl', 'parquet'])
      .default('csv')
      .describe('Format of the source files.'),
    dataset: z
      .string()
      .regex(
        /^[a-z][a-z0-9_]{0,62}$/,
        'use lower-case letters, digits and underscores, starting with a letter',
      )
      .default('online_retail')
      .describe('Name of the dataset in the lake and in lineage events.'),
    options: SourceOptionsSchema.prefault({}),
    columns: ColumnMappingSchema.prefault({}),
    timestampFormat: z
      .string()
      .min(2)
      .default('%Y-%m-%d %H:%M:%S')
      .describe(
        'strftime-style format of invoiceDate (for example "%Y-%m-%d %H:%M:%S" or "%m/%d/%Y %H:%M").',
      ),
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/London' })
      .default('Europe/London')
      .describe(
        'IANA time zone the source timestamps are written in; their local date is the business date.',
      ),
    onChangedFile: z
      .enum(['reject', 'reingest'])
      .default('reject')
      .describe(
        'What to do when an already ingested path has new content: reject the run, or replace its rows.',
      ),
  })
  .strict()
  .describe('Where the raw data comes from and how to read it.');

export const LakeSchema = z
  .object({
    uri: z
      .string()
      .min(1)
      .default('./.medallion/lake')
      .describe(
        'Where the lake lives (bronze, silver, gold, manifests, lineage, run summaries): a directory relative to the spec file, or s3://bucket/prefix.',
      ),
    s3: ObjectStoreSpecSchema,
    retainVersions: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(5)
      .describe(
        'How many published versions of each silver/gold layer to keep; older ones are deleted after a publish.',
      ),
    gcGraceHours: z
      .number()
      .min(1)
      .max(720)
      .default(6)
      .describe(
        'After every run that does not fail, orphans (unreferenced bronze parts and layer versions, staging of killed runs) older than this are deleted; keep it above the longest run, whose uncommitted work is younger.',
      ),
  })
  .strict()
  .prefault({})
  .describe('The data lake the steps read and write: a local (or mounted) directory or an S3 bucket.');

export const RulesSchema = z
  .object({
    nonMerchandiseStockCodes: z
      .array(z.string().min(1))
      .default(DEFAULT_NON_MERCHANDISE_CODES)
      .describe(
        'Stock codes (compared upper-cased) that are fees, postage or services rather than merchandise.',
      ),
    nonMerchandisePrefixes: z
      .array(z.string().min(1))
      .default(['GIFT_0001_'])
      .describe(
        'Stock-code prefixes (compared upper-cased) that mark non-merchandise lines, such as gift vouchers.',
      ),
  })
  .strict()
  .prefault({})
  .describe('Business rules of the silver classification.');

const SeveritySchema = z.enum(['error', 'warn']);

export const QualitySchema = z
  .object({
    minScore: z
      .number()
      .min(0)
      .max(1)
      .default(0.9)
      .describe('Lowest acceptable overall quality score (0..1) of the silver layer.'),
    minScoreSeverity: SeveritySchema.default('error').describe(
      'error fails the silver step when the score is below minScore; warn makes the run Degraded.',
    ),
    maxQuarantineRatio: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe('Highest acceptable share of non-duplicate rows sent to quarantine.'),
    maxQuarantineRatioSeverity: SeveritySchema.default('warn').describe(
      'error fails the silver step when the quarantine ratio is above maxQuarantineRatio; warn makes the run Degraded.',
    ),
    checks: QualityChecksSchema,
  })
  .strict()
  .prefault({})
  .describe('Data-quality thresholds checked by the silver step (see docs/quality.md).');

const SparkProcessSchema = (what: string) =>
  z
    .object({
      cores: z.number().int().min(1).max(256).optional().describe(`CPU cores of the ${what}.`),
      memory: z
        .string()
        .regex(/^\d+[kmgt]$/i, 'use a JVM size such as 512m or 4g')
        .optional()
        .describe(`JVM heap of the ${what} (spark.${what}.memory), e.g. 4g.`),
    })
    .strict();

export const SparkEngineSchema = z
  .object({
    master: z
      .string()
      .regex(/^local(\[(\d+|\*)\])?$|^spark:\/\/[\w.-]+:\d+$/, 'use local[N], local[*] or spark://host:port')
      .default('local[2]')
      .describe('Local runs only: the spark-submit --master (local[N] threads, or a standalone master).'),
    driver: SparkProcessSchema('driver').prefault({}).describe('The Spark driver process.'),
    executor: SparkProcessSchema('executor')
      .extend({
        instances: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .optional()
          .describe('Executor count (without dynamic allocation).'),
      })
      .prefault({})
      .describe('Each Spark executor.'),
    dynamicAllocation: z
      .object({
        enabled: z.boolean().default(false).describe('Let Spark add and remove executors with the load.'),
        minExecutors: z.number().int().min(0).max(10_000).optional().describe('Fewest executors.'),
        maxExecutors: z.number().int().min(1).max(10_000).optional().describe('Most executors.'),
      })
      .strict()
      .prefault({})
      .describe('Spark dynamic allocation (Kubernetes).'),
    image: z
      .string()
      .min(1)
      .optional()
      .describe('Container image of the SparkApplication (Kubernetes); the runner image when absent.'),
    conf: z
      .record(z.string().regex(/^spark\.[\w.-]+$/, 'a Spark property starts with spark.'), z.string())
      .default({})
      .describe(
        "Extra Spark properties (sparkConf), applied after Medallion's own (UTC, zstd, exact decimals).",
      ),
  })
  .strict()
  .prefault({})
  .describe('Apache Spark settings, used when engine.type is spark.');

export const EngineSchema = z
  .object({
    memoryLimit: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, 'use a size such as 512MB or 2GiB')
      .default('1GiB')
      .describe('Memory the SQL engine may use before it spills to disk (DuckDB memory_limit).'),
    threads: z
      .number()
      .int()
      .min(1)
      .max(256)
      .optional()
      .describe('Engine worker threads; defaults to the CPU count.'),
    type: z
      .enum(['duckdb', 'spark'])
      .default('duckdb')
      .describe(
        'Compute engine of the silver step: duckdb (embedded, one node) or spark (Apache Spark; see docs/spark.md). Bronze and the small metadata queries always run on the embedded engine.',
      ),
    spark: SparkEngineSchema,
  })
  .strict()
  .prefault({})
  .describe('Resources of the embedded SQL engine, and which engine computes silver.');

export const PipelineSpecSchema = z
  .object({
    source: SourceSchema,
    lake: LakeSchema,
    rules: RulesSchema,
    quality: QualitySchema,
    engine: EngineSchema,
    enrichment: EnrichmentSpecSchema,
    warehouse: WarehouseSpecSchema,
    search: SearchSpecSchema,
    steps: z
      .array(z.enum(STEP_NAMES))
      .min(1)
      .default(['bronze', 'silver', 'gold'])
      .refine((s) => new Set(s).size === s.length, { message: 'steps must not repeat' })
      .describe('Steps this pipeline runs, in order: bronze, silver, gold, warehouse, search.'),
  })
  .strict()
  .describe('Desired state of a Medallion pipeline.');

export const PipelineSchema = z
  .object({
    apiVersion: z.literal('medallion.dev/v1alpha1').describe('API version; must be medallion.dev/v1alpha1.'),
    kind: z.literal('Pipeline').describe('Must be Pipeline.'),
    metadata: z
      .object({
        name: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label such as online-retail')
          .max(63)
          .describe('Pipeline name (DNS-1123 label).'),
        namespace: z.string().optional().describe('Kubernetes namespace (ignored by the local runner).'),
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
      })
      .passthrough(),
    spec: PipelineSpecSchema,
  })
  .strict();

export type PipelineSpec = z.infer<typeof PipelineSpecSchema>;
export type Pipeline = z.infer<typeof PipelineSchema>;
export type PipelineInput = z.input<typeof PipelineSchema>;
