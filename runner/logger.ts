import { pino, type Logger } from 'pino';

export type { Logger };

/** The levels MEDALLION_LOG_LEVEL accepts, in every process. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The one root logger of a process; components take `logger.child({ component })`. */
export function createLogger(options: { level: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { app: 'medallion' },
      redact: {
        paths: [
          'password',
          '*.password',
          'databaseUrl',
          '*.databaseUrl',
          'connectionString',
          '*.connectionString',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination(2),
  );
}
