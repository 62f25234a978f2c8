import { UsageError } from '../runner/errors.js';
import type { CommandContext, OptionValues } from './command.js';

/**
 * `medallion operator`: the same image runs the operator and the steps. The operator's modules are loaded only
 * here, so `medallion run` in a step Job never loads the Kubernetes client. Its flags are parsed with its config.
 */
export async function operatorCommand(_values: OptionValues, { io, argv }: CommandContext): Promise<number> {
  const { parseOperatorConfig } = await import('../operator/config.js');
  let config;
  try {
    config = parseOperatorConfig(argv, io.env);
  } catch (e) {
    throw new UsageError((e as Error).message, 'Run medallion operator --help to see the options.');
  }
  const { runOperator } = await import('../operator/main.js');
  const proc = await runOperator(config);
  // Kubernetes sends SIGTERM on shutdown; stop gracefully (release the lease, drain the queues).
  const stop = (): void => void proc.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return proc.done;
}
