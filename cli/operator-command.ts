import { UsageError } from '../runner/errors.js';
import { EXIT, type CliIo } from './cli-io.js';

/**
 * `medallion operator`: the same image runs the operator and the steps. The operator's modules are loaded only
 * here, so `medallion run` in a step Job never loads the Kubernetes client.
 */
export async function operatorCommand(argv: string[], io: CliIo): Promise<number> {
  const { OPERATOR_HELP, parseOperatorConfig } = await import('../operator/config.js');
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(OPERATOR_HELP);
    return EXIT.ok;
  }
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
