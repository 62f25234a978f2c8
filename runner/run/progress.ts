import type { Logger } from '../logger.js';

/**
 * Progress of long work. On a terminal it prints short human lines to stderr; elsewhere (Kubernetes, CI) it
 * logs structured events, so log collectors get the same facts.
 */
export interface ProgressReporter {
  step(step: string, message: string): void;
  files(step: string, done: number, total: number, rows: number, elapsedMs: number): void;
}

const rate = (rows: number, ms: number): string =>
  ms > 0 ? `${Math.round((rows / ms) * 1000).toLocaleString('en-GB')} rows/s` : '';

export function createProgressReporter(options: {
  format: 'pretty' | 'json';
  logger: Logger;
  write?: (line: string) => void;
}): ProgressReporter {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const log = options.logger.child({ component: 'progress' });
  let lastFilesReport = 0;
  return {
    step(step, message) {
      if (options.format === 'pretty') write(`[${step}] ${message}`);
      else log.info({ step }, message);
    },
    files(step, done, total, rows, elapsedMs) {
      const now = Date.now();
      // Throttle to one line a second, but always report the last file.
      if (done < total && now - lastFilesReport < 1000) return;
      lastFilesReport = now;
      const msg = `${done}/${total} files, ${rows.toLocaleString('en-GB')} rows, ${rate(rows, elapsedMs)}`;
      if (options.format === 'pretty') write(`[${step}] ${msg}`);
      else log.info({ step, filesDone: done, filesTotal: total, rows, elapsedMs }, 'files progress');
    },
  };
}
