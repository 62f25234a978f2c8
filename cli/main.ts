import { parseArgs } from 'node:util';
import { loadConfig } from '../runner/config.js';
import { UsageError } from '../runner/errors.js';
import { createLogger } from '../runner/logger.js';
import { EXIT, reportError, type CliIo } from './cli-io.js';
import { INSPECT_HELP, MAIN_HELP, RUN_HELP, VALIDATE_HELP } from './help-text.js';
import { apiCommand } from './api-command.js';
import { dbCommand } from './db-command.js';
import { inspectCommand } from './inspect-command.js';
import { operatorCommand } from './operator-command.js';
import { runCommand } from './run-command.js';
import { tokenCommand } from './token-command.js';
import { validateCommand } from './validate-command.js';

const VERSION = '0.1.0';

type Parsed = ReturnType<typeof parseArgs>;

function parse(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']): Parsed {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

/** The CLI entry point, testable without a process: argv in, exit code out. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '-h' || command === '--help' || command === 'help') {
      io.out(MAIN_HELP);
      return command ? EXIT.ok : EXIT.usage;
    }
    if (command === '--version') {
      io.out(VERSION);
      return EXIT.ok;
    }
    const config = loadConfig(io.env, io.isTty);
    const pretty = config.logFormat === 'pretty';
    // On a terminal the progress lines are the output; structured logs only speak up for warnings.
    const logger = createLogger({
      level: pretty && io.env.MEDALLION_LOG_LEVEL === undefined ? 'warn' : config.logLevel,
    });
    switch (command) {
      case 'run': {
        const a = parse(rest, {
          file: { type: 'string', short: 'f' },
          steps: { type: 'string' },
          'source-uri': { type: 'string' },
          lake: { type: 'string' },
          'summary-json': { type: 'string' },
          'termination-log': { type: 'string' },
          quiet: { type: 'boolean', short: 'q' },
        });
        if (a.values.help) return (io.out(RUN_HELP), EXIT.ok);
        return await runCommand(a.values as Record<string, string | boolean | undefined>, {
          io,
          config,
          logger,
        });
      }
      case 'validate': {
        const a = parse(rest, { file: { type: 'string', short: 'f' }, print: { type: 'boolean' } });
        if (a.values.help) return (io.out(VALIDATE_HELP), EXIT.ok);
        return await validateCommand(a.values as Record<string, string | boolean | undefined>, io);
      }
      case 'inspect': {
        const a = parse(rest, {
          file: { type: 'string', short: 'f' },
          lake: { type: 'string' },
          layer: { type: 'string' },
          table: { type: 'string' },
          version: { type: 'string' },
          limit: { type: 'string' },
          json: { type: 'boolean' },
        });
        if (a.values.help) return (io.out(INSPECT_HELP), EXIT.ok);
        return await inspectCommand(a.values as Record<string, string | boolean | undefined>, {
          io,
          config,
          logger,
        });
      }
      case 'operator':
        return await operatorCommand(rest, io);
      case 'api':
        return await apiCommand(rest, io);
      case 'token':
        return await tokenCommand(rest, { io, logger });
      case 'db': {
        const sub = rest[0]?.startsWith('-') === false ? rest[0] : undefined;
        const a = parse(sub ? rest.slice(1) : rest, { file: { type: 'string', short: 'f' } });
        return await dbCommand(sub, a.values as Record<string, string | boolean | undefined>, { io, logger });
      }
      default:
        throw new UsageError(
          `unknown command "${command}"`,
          'Commands are run, validate, inspect, db, operator, api and token; see medallion --help.',
        );
    }
  } catch (e) {
    return reportError(io, e);
  }
}
