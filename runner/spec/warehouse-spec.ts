import { z } from 'zod';

/**
 * The `warehouse` section of the Pipeline spec: where the PostgreSQL star schema lives.
 * Precedence: `url`, then `secretRef` (Kubernetes), then the env var named by `urlFromEnv`; with none of them set
 * and `embedded.enabled`, the runner starts an embedded PostgreSQL under the local state folder.
 */

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export const WarehouseSecretRefSchema = z
  .object({
    name: z.string().min(1).describe('Name of the Kubernetes Secret in the pipeline namespace.'),
    key: z
      .string()
      .min(1)
      .default('DATABASE_URL')
      .describe('Key inside the Secret whose value is the connection URL.'),
  })
  .strict()
  .describe(
    'A Kubernetes Secret holding the connection URL (used by the operator; the local runner ignores it).',
  );

export const EmbeddedWarehouseSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Start an embedded PostgreSQL when no connection URL is configured; false makes a missing URL an error.',
      ),
    dataDir: z
      .string()
      .min(1)
      .default('./.medallion/warehouse/pgdata')
      .describe(
        'Data directory of the embedded server, relative to the spec file (under the local state folder).',
      ),
    port: z
      .number()
      .int()
      .min(1024)
      .max(65535)
      .default(54329)
      .describe('TCP port the embedded server listens on (loopback only).'),
    database: z
      .string()
      .regex(IDENTIFIER, 'use lower-case letters, digits and underscores')
      .default('medallion')
      .describe('Database created in the embedded server for the warehouse.'),
  })
  .strict()
  .prefault({})
  .describe('The embedded PostgreSQL used when no external warehouse is configured.');

export const WarehouseSpecSchema = z
  .object({
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional()
      .describe(
        'Connection URL of the warehouse. Prefer urlFromEnv or secretRef so passwords stay out of the spec.',
      ),
    urlFromEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .default('DATABASE_URL')
      .describe('Environment variable holding the connection URL when url is not set.'),
    secretRef: WarehouseSecretRefSchema.optional(),
    schema: z
      .string()
      .regex(
        IDENTIFIER,
        'use lower-case letters, digits and underscores, starting with a letter or underscore',
      )
      .default('medallion')
      .describe(
        'PostgreSQL schema holding the star schema, the gold marts and schema_migrations; created when missing.',
      ),
    sslmode: z
      .enum(SSL_MODES)
      .optional()
      .describe(
        'TLS mode; overrides the URL sslmode. require encrypts; verify-full also checks the certificate and host.',
      ),
    sslRootCert: z
      .string()
      .min(1)
      .optional()
      .describe('Path to a PEM CA bundle for verify-ca/verify-full (default: the system trust store).'),
    embedded: EmbeddedWarehouseSchema,
  })
  .strict()
  .prefault({})
  .describe('The PostgreSQL warehouse the warehouse step loads (star schema and gold marts).');

export type WarehouseSpec = z.infer<typeof WarehouseSpecSchema>;
export type WarehouseSpecInput = z.input<typeof WarehouseSpecSchema>;
