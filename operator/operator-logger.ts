import { createLogger, type Logger } from '../runner/logger.js';
import type { OperatorConfig } from './config.js';

/**
 * The operator's root logger: the process-wide factory (same redaction paths as the runner and the API), bound to
 * the operator component. Logs go to stdout, as they always have for the operator's container.
 */
export function createOperatorLogger(
  config: Pick<OperatorConfig, 'logLevel'>,
  destination: NodeJS.WritableStream = process.stdout,
): Logger {
  return createLogger({ level: config.logLevel, destination }).child({ component: 'medallion-operator' });
}
