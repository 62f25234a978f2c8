import { SpecError, toMedallionError } from '../runner/errors.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  isTty: boolean;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Prints an expected error the way a user needs it: what happened, where, what to do. No stack trace. */
export function reportError(io: CliIo, e: unknown): number {
  if (e instanceof SpecError) {
    io.err(`error [${e.code}]: ${e.message}`);
    for (const i of e.issues) io.err(`  ${e.file}${i.line ? `:${i.line}` : ''}  ${i.path}: ${i.message}`);
    if (e.hint) io.err(`hint: ${e.hint}`);
    return EXIT.usage;
  }
  // Anything unclassified is INTERNAL: still one coded line and a hint, never a stack trace.
  const m = toMedallionError(e);
  io.err(`error [${m.code}]: ${m.message}`);
  if (m.hint) io.err(`hint: ${m.hint}`);
  return m.code === 'USAGE' ? EXIT.usage : EXIT.failed;
}

/** One line on stderr naming the Kubernetes-only fields of a Pipeline manifest that the local commands ignore. */
export function noteIgnoredFields(io: CliIo, loaded: { file: string; ignoredFields: string[] }): void {
  if (loaded.ignoredFields.length === 0) return;
  io.err(
    `note: ${loaded.file}: ignoring ${loaded.ignoredFields.join(', ')} (Kubernetes only, used by the operator; validated but not used locally)`,
  );
}
