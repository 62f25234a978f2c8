import { delimiter, join } from 'node:path';
import { UsageError } from '../../runner/errors.js';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** kubectl's connection flags, as the plugin accepts them (`--kubeconfig`, `--context`, `-n/--namespace`, `-o`). */
export interface ConnectionFlags {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  output?: string | undefined;
}

export interface PluginConfig {
  /** Kubeconfig files merged in order (the first one to set a value wins, as with kubectl). */
  kubeconfigFiles: string[];
  context: string | undefined;
  /** Explicit namespace; when unset the context's namespace, else `default`. */
  namespace: string | undefined;
  output: OutputFormat;
}

/**
 * The only place the plugin reads its environment: KUBECONFIG (a path list, like kubectl) and HOME for the default
 * ~/.kube/config. A --kubeconfig flag replaces the list, as kubectl does.
 */
export function resolvePluginConfig(flags: ConnectionFlags, env: NodeJS.ProcessEnv): PluginConfig {
  const output = flags.output ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(`-o ${output} is not an output format`, `Use one of: ${OUTPUT_FORMATS.join(', ')}.`);
  }
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  const home = env.HOME ?? env.USERPROFILE;
  const kubeconfigFiles = flags.kubeconfig
    ? [flags.kubeconfig]
    : fromEnv.length > 0
      ? fromEnv
      : home
        ? [join(home, '.kube', 'config')]
        : [];
  if (kubeconfigFiles.length === 0) {
    throw new UsageError('no kubeconfig: KUBECONFIG and HOME are unset', 'Pass --kubeconfig FILE.');
  }
  if (flags.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(flags.namespace)) {
    throw new UsageError(`namespace "${flags.namespace}" is not a valid namespace name`, 'Use a DNS label.');
  }
  return {
    kubeconfigFiles,
    context: flags.context || undefined,
    namespace: flags.namespace,
    output: output as OutputFormat,
  };
}
