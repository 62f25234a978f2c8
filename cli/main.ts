import { parseArgs } from 'node:util';
import { loadConfig } from '../runner/config.js';
import { UsageError } from '../runner/errors.js';
import { createLogger } from '../runner/logger.js';
import { EXIT, reportError, type CliIo } from './cli-io.js';
import type { Command, CommandContext, LeafCommand, OptionValues } from './command.js';
import { COMMANDS, mainHelp } from './commands.js';

const VERSION = '0.1.0';

const wantsHelp = (args: string[]): boolean => args.includes('-h') || args.includes('--help');
const lookup = <T>(table: Record<string, T>, name: string): T | undefined =>
  Object.hasOwn(table, name) ? table[name] : undefined;

function parseOptions(cmd: LeafCommand, args: string[], names: string[]): OptionValues {
  if (cmd.options === 'passthrough') return { help: wantsHelp(args) };
  try {
    const { values } = parseArgs({
      args,
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    });
    return values as OptionValues;
  } catch (e) {
    throw new UsageError(
      (e as Error).message.replace(/\. To specify.*$/s, ''),
      `Run medallion ${names.join(' ')} --help.`,
    );
  }
}

async function dispatch(
  cmd: Command,
  names: string[],
  args: string[],
  ctx: Omit<CommandContext, 'argv'>,
): Promise<number> {
  if ('subcommands' in cmd) {
    const sub = args[0]?.startsWith('-') === false ? args[0] : undefined;
    if (sub === undefined) {
      ctx.io.out(cmd.help);
      return wantsHelp(args) ? EXIT.ok : EXIT.usage;
    }
    const leaf = lookup(cmd.subcommands, sub);
    if (!leaf) {
      throw new UsageError(
        `unknown ${names.join(' ')} command "${sub}"`,
        `Commands: ${Object.keys(cmd.subcommands).join(', ')}; see medallion ${names.join(' ')} --help.`,
      );
    }
    return dispatch(leaf, [...names, sub], args.slice(1), ctx);
  }
  const values = parseOptions(cmd, args, names);
  if (values.help) return (ctx.io.out(cmd.help), EXIT.ok);
  return cmd.run(values, { ...ctx, argv: args });
}

/** The CLI entry point, testable without a process: argv in, exit code out. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '-h' || command === '--help' || command === 'help') {
      io.out(mainHelp());
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
    const entry = lookup(COMMANDS, command);
    if (!entry) {
      throw new UsageError(
        `unknown command "${command}"`,
        `Commands are ${Object.keys(COMMANDS).join(', ')}; see medallion --help.`,
      );
    }
    return await dispatch(entry, [command], rest, { io, config, logger });
  } catch (e) {
    return reportError(io, e);
  }
}
