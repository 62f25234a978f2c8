import { OPERATOR_HELP } from '../operator/config.js';
import { apiCommand } from './api-command.js';
import type { Command } from './command.js';
import { dbMigrate, dbStart } from './db-command.js';
import * as help from './help-text.js';
import { inspectCommand } from './inspect-command.js';
import { lakeGcCommand } from './lake-gc-command.js';
import { operatorCommand } from './operator-command.js';
import { runCommand } from './run-command.js';
import { tokenCreate, tokenCreateKey, tokenRevokeKey } from './token-command.js';
import { validateCommand } from './validate-command.js';

const file = { type: 'string', short: 'f' } as const;
const dbOptions = { file };

/**
 * Every command of `medallion`, in the order `medallion --help` lists them. Options are node:util parseArgs options
 * (strict, no positionals); main.ts adds -h/--help to each, so every command and subcommand prints its own help.
 */
export const COMMANDS: Record<string, Command> = {
  run: {
    summary: "run a pipeline's steps (bronze, silver, gold) against the lake",
    help: help.RUN_HELP,
    options: {
      file,
      steps: { type: 'string' },
      'source-uri': { type: 'string' },
      lake: { type: 'string' },
      'summary-json': { type: 'string' },
      'termination-log': { type: 'string' },
      'full-refresh': { type: 'boolean' },
      partitions: { type: 'string' },
      files: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    },
    run: runCommand,
  },
  validate: {
    summary: 'check a pipeline spec and list every problem with its line',
    help: help.VALIDATE_HELP,
    options: { file, print: { type: 'boolean' } },
    run: validateCommand,
  },
  inspect: {
    summary: 'list published versions of the lake and read a table of any kept version',
    help: help.INSPECT_HELP,
    options: {
      file,
      lake: { type: 'string' },
      layer: { type: 'string' },
      table: { type: 'string' },
      version: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
    run: inspectCommand,
  },
  lake: {
    summary:
      'maintain the lake: lake gc -f FILE lists (--apply deletes) orphans of lost races and killed runs',
    help: help.LAKE_HELP,
    subcommands: {
      gc: {
        summary: 'list, or with --apply delete, what no commit references (older than the grace period)',
        help: help.LAKE_GC_HELP,
        options: {
          file,
          lake: { type: 'string' },
          apply: { type: 'boolean' },
          grace: { type: 'string' },
        },
        run: lakeGcCommand,
      },
    },
  },
  db: {
    summary: 'the warehouse: db migrate -f FILE applies migrations, db start -f FILE serves it for psql',
    help: help.DB_HELP,
    subcommands: {
      migrate: {
        summary: 'apply pending warehouse migrations',
        help: help.DB_MIGRATE_HELP,
        options: dbOptions,
        run: dbMigrate,
      },
      start: {
        summary: 'serve the warehouse for psql until Ctrl-C',
        help: help.DB_START_HELP,
        options: dbOptions,
        run: dbStart,
      },
    },
  },
  operator: {
    summary:
      'run the Kubernetes operator (reconciles Pipelines, PipelineSchedules and PipelineRuns into Jobs)',
    help: OPERATOR_HELP,
    options: 'passthrough',
    run: operatorCommand,
  },
  api: {
    summary: 'serve the read API (runs, sales, KPIs, products, search) over HTTP, with OpenAPI docs at /docs',
    help: help.API_HELP,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      file,
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
    },
    run: apiCommand,
  },
  token: {
    summary: 'issue a JWT for the API (token create --role R) or manage API keys (token create-key)',
    help: help.TOKEN_HELP,
    subcommands: {
      create: {
        summary: 'print a signed JWT for the read API',
        help: help.TOKEN_CREATE_HELP,
        options: {
          role: { type: 'string' },
          subject: { type: 'string' },
          ttl: { type: 'string' },
          'private-key': { type: 'string' },
        },
        run: tokenCreate,
      },
      'create-key': {
        summary: 'create an API key in the warehouse',
        help: help.TOKEN_CREATE_KEY_HELP,
        options: {
          role: { type: 'string' },
          name: { type: 'string' },
          'rate-limit': { type: 'string' },
          file,
        },
        run: tokenCreateKey,
      },
      'revoke-key': {
        summary: 'revoke an API key',
        help: help.TOKEN_REVOKE_KEY_HELP,
        options: { id: { type: 'string' }, file },
        run: tokenRevokeKey,
      },
    },
  },
};

/** `medallion --help`: the command list comes from the table, so a new command cannot be left out. */
export function mainHelp(): string {
  const list = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return help.MAIN_HELP.replace('{commands}', list.join('\n'));
}
