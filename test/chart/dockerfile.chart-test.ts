import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../cli/main.js';
import { CHART_DIR, ROOT, one, render, sampleStepJob } from './chart.js';

/**
 * The image is also checked without building it (test/image/ builds and runs it): the Dockerfile's stages, user and
 * entrypoint, .dockerignore, that every command the chart and the operator's Jobs start exists in the CLI, and that a
 * step run as the image's unprivileged user, in a directory it cannot write, writes only to the lake and $TMPDIR (as
 * with a read-only root filesystem).
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  body: Instruction[];
}

/** Dockerfile → stages (continuation lines joined, comments dropped, global ARG defaults substituted in FROM). */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const argsText = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const [image = '', , name] = argsText
        .replace(/\$\{(\w+)\}/g, (_, k: string) => args[k] ?? '')
        .split(/\s+/);
      stages.push({ from: image, name, body: [] });
    } else if (op.toUpperCase() === 'ARG' && stages.length === 0) {
      const [k = '', v = ''] = argsText.split('=');
      args[k] = v;
    } else stages.at(-1)?.body.push({ op: op.toUpperCase(), args: argsText });
  }
  return stages;
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.at(-1) as Stage;
const ops = (s: Stage, op: string) => s.body.filter((i) => i.op === op).map((i) => i.args);
const stageNamed = (name: string) => dockerfile.find((s) => s.name === name);

describe('Dockerfile', () => {
  it('builds with the dev dependencies in one stage and ships production dependencies only', () => {
    expect(dockerfile.length).toBeGreaterThanOrEqual(2);
    const build = dockerfile.find((s) => ops(s, 'RUN').some((r) => /npm run build/.test(r)));
    expect(build, 'a stage runs npm run build').toBeDefined();
    expect(ops(build as Stage, 'RUN').some((r) => /npm ci(?!.*--omit=dev)/.test(r))).toBe(true);
    // Everything the runtime copies from other stages: node_modules from a stage that installed without dev deps.
    const copies = ops(runtime, 'COPY').filter((c) => c.startsWith('--from='));
    const modules = copies.find((c) => /\snode_modules\s/.test(`${c} `) || c.includes('/node_modules'));
    const from = /--from=(\S+)/.exec(modules ?? '')?.[1] ?? '';
    expect(
      ops(stageNamed(from) as Stage, 'RUN').some((r) => /npm ci .*--omit=dev/.test(r)),
      from,
    ).toBe(true);
    expect(copies.some((c) => c.startsWith(`--from=${build?.name} `) && c.includes('/app/dist'))).toBe(true);
    expect(ops(runtime, 'RUN').some((r) => /npm (ci|install)/.test(r))).toBe(false);
  });

  it('runs on a small base image', () => {
    expect(runtime.from).toMatch(
      /^node:20(\.[\d.]+)?-(bookworm|bullseye|trixie)-slim$|^gcr\.io\/distroless\/nodejs20/,
    );
  });

  it('runs as a numeric non-root user, the one the chart expects', () => {
    const user = ops(runtime, 'USER').at(-1) ?? '';
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    const created = ops(runtime, 'RUN').join(' ');
    expect(created).toContain(`--uid ${uid}`);
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Obj;
    expect(values.podSecurityContext.runAsUser).toBe(uid);
    expect(values.podSecurityContext.runAsGroup).toBe(gid ?? uid);
  });

  it('has tini as PID 1 (signals forwarded to node) and the medallion CLI as entrypoint', () => {
    const entrypoint = JSON.parse(ops(runtime, 'ENTRYPOINT').at(-1) ?? 'null') as string[];
    expect(entrypoint.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(ops(runtime, 'RUN').some((r) => /apt-get install .*\btini\b/.test(r))).toBe(true);
    expect(entrypoint.slice(2)).toEqual(['node', '/app/bin/medallion.js']);
    expect(ops(runtime, 'WORKDIR').at(-1)).toBe('/app');
    expect(ops(runtime, 'COPY')).toEqual(expect.arrayContaining(['bin ./bin', 'package.json ./']));
  });

  it('sends every write to /tmp: HOME and TMPDIR point there', () => {
    const env = ops(runtime, 'ENV').join(' ');
    expect(env).toMatch(/\bHOME=\/tmp\b/);
    expect(env).toMatch(/\bTMPDIR=\/tmp\b/);
  });
});

describe('.dockerignore', () => {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const ignored = (path: string) => patterns.some((p) => p === path || path.startsWith(`${p}/`));

  it('keeps local state, dependencies and build output out of the context', () => {
    for (const p of ['node_modules', '.medallion', 'tmp', 'dist', '.git', '.env'])
      expect(ignored(p), p).toBe(true);
  });

  it('keeps everything the Dockerfile copies', () => {
    const sources = dockerfile
      .flatMap((s) => ops(s, 'COPY'))
      .filter((c) => !c.startsWith('--from='))
      .flatMap((c) => c.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const src of sources) {
      expect(ignored(src), src).toBe(false);
      expect(existsSync(join(ROOT, src)), src).toBe(true);
    }
  });
});

describe('entrypoint commands', () => {
  const cli = async (args: string[]) => {
    let out = '';
    const io = {
      out: (t: string) => (out += `${t}\n`),
      err: (t: string) => (out += `${t}\n`),
      env: {},
      isTty: false,
    };
    return { code: await main(args, io), out };
  };
  const docs = render('m', 'medallion-system');
  const stepJob = sampleStepJob();
  const started = [
    ...['-operator', '-api'].map(
      (n) => (one(docs, 'Deployment', n) as Obj).spec.template.spec.containers[0].args,
    ),
    (stepJob.spec as Obj).template.spec.containers[0].args,
  ] as string[][];

  it.each(started.map((args) => [args[0], args] as const))(
    '%s (started with %j) is a command with --help',
    async (cmd) => {
      const { out } = await cli(['--help']);
      expect(out).toMatch(new RegExp(`^\\s+${cmd}\\s`, 'm'));
      const help = await cli([cmd as string, '--help']);
      expect(help.code).toBe(0);
      expect(help.out).toMatch(new RegExp(`Usage: medallion ${cmd}`));
    },
  );

  it('step Jobs mount an emptyDir at /tmp and a read-only root filesystem (what the image expects)', () => {
    const pod = (stepJob.spec as Obj).template.spec;
    const c = pod.containers[0];
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    const tmp = c.volumeMounts.find((m: Obj) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: Obj) => v.name === tmp.name).emptyDir).toBeDefined();
  });
});

describe('a step as the image user, with nothing writable but the lake and TMPDIR', () => {
  const work = mkdtempSync(join(tmpdir(), 'medallion-ro-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('runs bronze, silver and gold and leaves no file anywhere else', () => {
    const bin = join(ROOT, 'bin/medallion.js');
    if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npm run build');
    const uid = Number(/USER (\d+)/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1]);
    const tmp = join(work, 'tmp');
    const lake = join(work, 'lake');
    for (const d of [tmp, lake]) spawnSync('mkdir', ['-p', d]);
    chmodSync(work, 0o755);
    for (const d of [tmp, lake]) chmodSync(d, 0o777);
    // Files of that user in world-writable places, before and after: a new one is a path that ignores TMPDIR.
    const userFiles = () =>
      new Set(
        spawnSync(
          'find',
          ['/tmp', '/var/tmp', '/dev/shm', '-xdev', '-uid', String(uid), '-not', '-path', `${work}*`],
          {
            encoding: 'utf8',
          },
        ).stdout.split('\n'),
      );
    const before = userFiles();
    const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
    const r = spawnSync(
      sudo[0] ?? 'setpriv',
      [
        ...sudo.slice(1),
        ...(sudo.length ? ['setpriv'] : []),
        `--reuid=${uid}`,
        `--regid=${uid}`,
        '--clear-groups',
        'env',
        '-i',
        `PATH=${process.env.PATH}`,
        `HOME=${tmp}`,
        `TMPDIR=${tmp}`,
        'MEDALLION_LOG_LEVEL=warn',
        // Unreachable providers fail fast: the bundled fallbacks stand in (the run ends Degraded).
        'MEDALLION_FX_URL=http://127.0.0.1:9/',
        'MEDALLION_COUNTRIES_URL=http://127.0.0.1:9/',
        process.execPath,
        bin,
        'run',
        '-f',
        join(ROOT, 'examples/online-retail/pipeline.yaml'),
        '--steps',
        'bronze,silver,gold',
        '--lake',
        lake,
        '--source-uri',
        join(ROOT, 'examples/online-retail/data'),
        '--quiet',
      ],
      { cwd: '/', encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, `${r.stdout}\n${r.stderr}${r.error ? String(r.error) : ''}`).toBe(0);
    expect(readdirSync(join(lake, 'gold')).length).toBeGreaterThan(0);
    expect([...userFiles()].filter((f) => !before.has(f))).toEqual([]);
    expect(statSync(work).uid).not.toBe(uid);
  });
});
