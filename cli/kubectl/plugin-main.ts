import { parseArgs } from 'node:util';
import { UsageError } from '../../runner/errors.js';
import { EXIT, reportError, type CliIo } from '../cli-io.js';
import type { OptionValues } from './plugin-command.js';
import { GLOBAL_OPTIONS, PLUGIN_COMMANDS, pluginHelp } from './plugin-commands.js';
import { resolvePluginConfig } from './plugin-config.js';
import { connectKube, type PluginKube } from './plugin-kube.js';

const VALUE_FLAGS = new Set(['--kubeconfig', '--context', '--namespace', '-n', '--output', '-o']);

/** The command is the first argument that is neither a flag nor a global flag's value (`-n ns status` works). */
function splitCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (VALUE_FLAGS.has(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return { name: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { name: undefined, rest: argv };
}

/** `kubectl medallion ...` (bin/kubectl-medallion.js): argv in, exit code out, testable without a process. */
export async function pluginMain(
  argv: string[],
  io: CliIo,
  now: () => Date = () => new Date(),
): Promise<number> {
  try {
    const { name, rest } = splitCommand(argv);
    if (name === undefined || name === 'help') {
      io.out(pluginHelp());
      return name || rest.includes('-h') || rest.includes('--help') ? EXIT.ok : EXIT.usage;
    }
    const cmd = Object.hasOwn(PLUGIN_COMMANDS, name) ? PLUGIN_COMMANDS[name] : undefined;
    if (!cmd) {
      throw new UsageError(
        `unknown command "${name}"`,
        `Commands: ${Object.keys(PLUGIN_COMMANDS).join(', ')}; see kubectl medallion --help.`,
      );
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...GLOBAL_OPTIONS, ...cmd.options },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError(
        (e as Error).message.replace(/\. To specify.*$/s, ''),
        `Run kubectl medallion ${name} --help.`,
      );
    }
    const values = parsed.values as OptionValues;
    if (values.help) return (io.out(cmd.help), EXIT.ok);
    const required = (cmd.args.match(/(^|\s)[A-Z]+/g) ?? []).length;
    const allowed = cmd.args.split(/\s+/).filter(Boolean).length;
    const positionals = parsed.positionals;
    if (positionals.length < required || positionals.length > allowed) {
      throw new UsageError(
        positionals.length < required
          ? `${name} needs ${cmd.args.trim()}`
          : `${name} takes ${cmd.args || 'no arguments'}, not "${positionals.join(' ')}"`,
        `Usage: kubectl medallion ${name} ${cmd.args}; see kubectl medallion ${name} --help.`,
      );
    }
    const config = resolvePluginConfig(
      {
        kubeconfig: values.kubeconfig as string | undefined,
        context: values.context as string | undefined,
        namespace: values.namespace as string | undefined,
        output: values.output as string | undefined,
      },
      io.env,
    );
    let kube: PluginKube | undefined;
    return await cmd.run(values, positionals, {
      io,
      config,
      kube: () => (kube ??= connectKube(config)),
      now,
    });
  } catch (e) {
    return reportError(io, e);
  }
}
