import { UsageError } from '../runner/errors.js';
import { loadSpec } from '../runner/spec/load-spec.js';
import { EXIT, noteIgnoredFields } from './cli-io.js';
import type { CommandContext, OptionValues } from './command.js';

export async function validateCommand(
  args: OptionValues,
  { io }: Pick<CommandContext, 'io'>,
): Promise<number> {
  const file = args.file;
  if (typeof file !== 'string')
    throw new UsageError('missing -f FILE', 'Usage: medallion validate -f pipeline.yaml');
  const loaded = await loadSpec(file);
  noteIgnoredFields(io, loaded);
  if (args.print) io.out(JSON.stringify(loaded.pipeline, null, 2));
  else
    io.out(
      `${file}: valid Pipeline "${loaded.pipeline.metadata.name}" (steps: ${loaded.pipeline.spec.steps.join(', ')})`,
    );
  return EXIT.ok;
}
