import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from '../cli-io.js';
import type { OptionValues } from '../command.js';
import type { PluginConfig } from './plugin-config.js';
import type { PluginKube } from './plugin-kube.js';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface PluginContext {
  io: CliIo;
  config: PluginConfig;
  /** Connects on first use, so `--help` and usage errors never need a cluster. */
  kube: () => PluginKube;
  now: () => Date;
}

/**
 * One `kubectl medallion` command: the same shape as the medallion CLI's LeafCommand (cli/command.ts) plus the
 * positional arguments kubectl users expect (`runs PIPELINE`, `cancel RUN`). The connection flags are global.
 */
export interface PluginCommand {
  summary: string;
  /** `NAME [ARG]` as shown in the usage line; also gives the number of positionals (`[..]` are optional). */
  args: string;
  help: string;
  options: ParseArgsOptionsConfig;
  run: (values: OptionValues, positionals: string[], ctx: PluginContext) => Promise<number>;
}

export type { OptionValues };
