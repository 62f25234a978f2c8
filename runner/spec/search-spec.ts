import { z } from 'zod';

/**
 * The `search` section of the Pipeline spec: where the search step indexes product documents.
 * With a Typesense URL (from `typesense.url` or the env var named by `typesense.urlFromEnv`) it indexes into
 * Typesense; otherwise into PostgreSQL full-text search in the warehouse (see docs/search.md).
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const SearchSecretRefSchema = z
  .object({
    name: z.string().min(1).describe('Name of the Kubernetes Secret in the pipeline namespace.'),
    key: z
      .string()
      .min(1)
      .default('TYPESENSE_API_KEY')
      .describe('Key inside the Secret whose value is the Typesense admin API key.'),
  })
  .strict()
  .describe(
    'A Kubernetes Secret holding the Typesense API key: the operator passes it to the search Job as the env var named by apiKeyFromEnv.',
  );

export const TypesenseSpecSchema = z
  .object({
    url: z
      .string()
      .regex(/^https?:\/\/[^/]+/, 'must be an http:// or https:// URL such as http://typesense:8108')
      .optional()
      .describe(
        'Base URL of the Typesense server. When neither this nor urlFromEnv is set, search uses PostgreSQL.',
      ),
    urlFromEnv: z
      .string()
      .regex(ENV_NAME, 'must be an environment variable name')
      .default('TYPESENSE_URL')
      .describe('Environment variable holding the Typesense URL when url is not set.'),
    apiKeyFromEnv: z
      .string()
      .regex(ENV_NAME, 'must be an environment variable name')
      .default('TYPESENSE_API_KEY')
      .describe('Environment variable holding the Typesense admin API key (never put the key in the spec).'),
    secretRef: SearchSecretRefSchema.optional(),
    timeoutSeconds: z
      .number()
      .min(0.1)
      .max(600)
      .default(10)
      .describe('Timeout of one Typesense request; a document import batch gets ten times as long.'),
  })
  .strict()
  .prefault({})
  .describe('The Typesense server product documents are indexed into (optional).');

export const SearchSpecSchema = z
  .object({
    alias: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'use lower-case letters, digits, - and _, starting with a letter')
      .default('products')
      .describe(
        'Typesense alias readers query; each run indexes into a new collection named alias-runId and then swaps the alias to it.',
      ),
    keepCollections: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(2)
      .describe(
        'How many of the newest collections of the alias to keep after a swap (the live one included); older ones are deleted.',
      ),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1000)
      .describe('Documents per import request (Typesense JSONL import) or per INSERT (PostgreSQL).'),
    typesense: TypesenseSpecSchema,
  })
  .strict()
  .prefault({})
  .describe(
    'The search step: one product document per merchandise stock code, into Typesense when configured, else PostgreSQL full-text search in the warehouse schema.',
  );

export type SearchSpec = z.infer<typeof SearchSpecSchema>;
export type SearchSpecInput = z.input<typeof SearchSpecSchema>;
