import type { ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import type { RunnerConfig } from '../runner/config.js';
import type { Logger } from '../runner/logger.js';
import type { CliIo } from './cli-io.js';

/** Parsed options of one command; no option is declared `multiple`, so each value is a string or a flag. */
export type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandContext {
  io: CliIo;
  config: RunnerConfig;
  logger: Logger;
  /** The command's own arguments (after its name), for a command that parses them itself. */
  argv: string[];
}

/** A command that runs. `-h/--help` is added to its options and prints `help`. */
export interface LeafCommand {
  /** One line in the help of the parent (`medallion --help`). */
  summary: string;
  help: string;
  /**
   * node:util parseArgs options. 'passthrough': the command parses its arguments itself (the operator's flags are
   * parsed with its config in operator/config.ts); only -h/--help is looked for here.
   */
  options: ParseArgsOptionsConfig | 'passthrough';
  run: (values: OptionValues, ctx: CommandContext) => Promise<number>;
}

/** A group such as `db migrate|start`: the first argument names the subcommand. */
export interface CommandGroup {
  summary: string;
  help: string;
  subcommands: Record<string, LeafCommand>;
}

export type Command = LeafCommand | CommandGroup;
