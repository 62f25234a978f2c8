import { describe, expect, it } from 'vitest';
import type { Command } from './command.js';
import { COMMANDS } from './commands.js';
import { main } from './main.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { MEDALLION_LOG_LEVEL: 'silent' },
    isTty: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Every path through the table: ['run'], ['db'], ['db', 'migrate'], ... */
function paths(table: Record<string, Command>, prefix: string[] = []): string[][] {
  return Object.entries(table).flatMap(([name, c]) => [
    [...prefix, name],
    ...('subcommands' in c ? paths(c.subcommands, [...prefix, name]) : []),
  ]);
}

describe('the command table', () => {
  const all = paths(COMMANDS);

  it('lists every command in medallion --help', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(r.out).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it.each(all.map((p) => [p.join(' '), p]))(
    'medallion %s --help prints its own usage, exit 0',
    async (_, p) => {
      for (const flag of ['--help', '-h']) {
        const r = await cli(...p, flag);
        expect(r.code).toBe(0);
        expect(r.out.startsWith(`Usage: medallion ${p.join(' ')}`)).toBe(true);
      }
    },
  );

  it('a group without a subcommand prints its help and exits 2; an unknown one is a usage error', async () => {
    for (const group of ['db', 'token']) {
      const bare = await cli(group);
      expect(bare.code).toBe(2);
      expect(bare.out).toMatch(new RegExp(`^Usage: medallion ${group}`));
      const unknown = await cli(group, 'frobnicate');
      expect(unknown.code).toBe(2);
      expect(unknown.err).toMatch(new RegExp(`error \\[USAGE\\]: unknown ${group} command "frobnicate"`));
      expect(unknown.err).toMatch(/hint: Commands: /);
    }
  });

  it('rejects an option the command does not declare with exit 2 and points at its help', async () => {
    const r = await cli('token', 'revoke-key', '--role', 'admin');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--role/);
    expect(r.err).toMatch(/hint: Run medallion token revoke-key --help\./);
    expect((await cli('validate', 'positional')).code).toBe(2);
  });

  it('exits 2 on an unknown command and 0 on --version', async () => {
    expect(await cli('frobnicate')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown command/) });
    expect(await cli('--version')).toMatchObject({ code: 0, out: '0.1.0' });
  });
});
