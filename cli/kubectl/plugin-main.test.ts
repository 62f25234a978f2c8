import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pluginMain } from './plugin-main.js';
import { PLUGIN_COMMANDS } from './plugin-commands.js';

async function invoke(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await pluginMain(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env,
    isTty: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A kubeconfig whose server is a local port nobody listens on (taken and released again). */
async function deadKubeconfig(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-medallion-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: dead
  cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true }
users:
- name: u
  user: { token: t }
contexts:
- name: dead
  context: { cluster: dead, user: u, namespace: from-context }
- name: other
  context: { cluster: dead, user: u }
current-context: dead
`,
  );
  return file;
}

describe('kubectl medallion', () => {
  it('lists every command in its help, and each command has its own --help with the global flags', async () => {
    const main = await invoke(['--help']);
    expect(main.code).toBe(0);
    for (const name of Object.keys(PLUGIN_COMMANDS)) {
      expect(main.out).toMatch(new RegExp(`^  ${name} `, 'm'));
      const own = await invoke([name, '--help']);
      expect(own.code).toBe(0);
      expect(own.out).toContain(`Usage: kubectl medallion ${name}`);
      expect(own.out).toContain('--kubeconfig FILE');
    }
    expect((await invoke([])).code).toBe(2);
  });

  it('reports usage mistakes as coded errors with a hint and exit code 2, before touching a cluster', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['cancel'], /cancel needs RUN/],
      [['runs', 'a', 'b'], /runs takes \[PIPELINE\], not "a b"/],
      [['status', '--bogus'], /Unknown option '--bogus'/],
      [['status', '-o', 'wide'], /-o wide is not an output format/],
      [['run', 'p', '--partitions', '2011-03-01'], /is not a range/],
      [['run', 'p', '--partitions', '2011-02-30..2011-03-01'], /2011-02-30 is not a date/],
      [['backfill', 'p', '--from', '2011-03-31', '--to', '2011-03-01'], /ends before it starts/],
      [['backfill', 'p', '--from', '2011-03-01'], /backfill needs --from and --to/],
      [['run', 'p', '--steps', 'bronze,platinum'], /unknown step platinum/],
    ];
    const kubeconfig = await deadKubeconfig();
    for (const [argv, message] of cases) {
      const r = await invoke([...argv, '--kubeconfig', kubeconfig]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/^error \[USAGE\]: /);
      expect(r.err).toMatch(message);
      expect(r.err).toMatch(/\nhint: /);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('names an unreachable cluster (KUBE_UNREACHABLE) instead of printing a stack trace', async () => {
    const kubeconfig = await deadKubeconfig();
    // KUBECONFIG is read from the environment the CLI was given; flags may come before the command.
    const r = await invoke(['-n', 'team-a', 'status'], { KUBECONFIG: kubeconfig });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error \[KUBE_UNREACHABLE\]: cannot reach the cluster at https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
    expect(r.err).toContain('hint: Check --kubeconfig, --context');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('rejects a context that is not in the kubeconfig and a kubeconfig that does not exist', async () => {
    const kubeconfig = await deadKubeconfig();
    const ctx = await invoke(['runs', '--context', 'nope', '--kubeconfig', kubeconfig]);
    expect(ctx.code).toBe(2);
    expect(ctx.err).toContain('context "nope" is not in the kubeconfig');
    expect(ctx.err).toContain('Contexts: dead, other');
    const missing = await invoke(['runs', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('kubeconfig /nonexistent/kubeconfig not found');
  });
});
