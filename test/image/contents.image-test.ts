import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IMAGE, podman } from './podman.js';

// What the built image holds and how big it is: only the runtime (node, tini, the compiled app, production
// dependencies and the sample), nothing from the build (dev dependencies, npm, sources, tests, .git, the build's
// npm configuration and TLS CA), and no more bytes than docs/benchmarks.md budgets.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${REPO}/package.json`, 'utf8')) as {
  dependencies: Record<string, string>;
};
// Packages only the dev dependencies need (the lockfile marks them dev); a dev dependency that a production
// package also depends on (@types/node, through @kubernetes/client-node) is a production package.
const lock = JSON.parse(readFileSync(`${REPO}/package-lock.json`, 'utf8')) as {
  packages: Record<string, { dev?: boolean }>;
};
const devOnly = Object.entries(lock.packages)
  .filter(([path, p]) => p.dev && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
  .map(([path]) => path.slice('node_modules/'.length));

/** Runs a script with the image's node, bypassing the entrypoint, as the image's user on a read-only root. */
function inImage(script: string): string {
  return podman([
    'run',
    '--rm',
    '--read-only',
    '--network=none',
    '--user=10001:10001',
    '--entrypoint=node',
    IMAGE,
    '-e',
    script,
  ]);
}

const listing = JSON.parse(
  inImage(`
    const fs = require('node:fs'), path = require('node:path');
    const exists = (p) => { try { fs.lstatSync(p); return true; } catch { return false; } };
    const walk = (dir, out = []) => {
      let entries = [];
      try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return out; }
      for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) { if (!p.startsWith('/app/node_modules')) walk(p, out); } else out.push(p);
      }
      return out;
    };
    const scoped = (d) => fs.readdirSync(d).flatMap((n) => n.startsWith('@') ? fs.readdirSync(path.join(d, n)).map((m) => n + '/' + m) : [n]);
    console.log(JSON.stringify({
      app: fs.readdirSync('/app').sort(),
      modules: scoped('/app/node_modules'),
      appFiles: walk('/app'),
      present: ['/usr/bin/tini', '/usr/local/bin/node', '/usr/local/bin/npm', '/usr/local/bin/npx',
        '/usr/local/lib/node_modules/npm', '/usr/local/lib/node_modules/corepack', '/usr/local/etc/npmrc',
        '/root/.npmrc', '/root/.npm', '/app/.npmrc', '/run/medallion-build-ca', '/app/.git', '/var/lib/apt/lists/lock',
      ].filter(exists),
      etcFiles: walk('/etc'),
    }));
  `),
) as { app: string[]; modules: string[]; appFiles: string[]; present: string[]; etcFiles: string[] };

describe('the image’s contents', () => {
  it('holds the compiled app, its production dependencies and the sample, nothing else under /app', () => {
    expect(listing.app).toEqual(['bin', 'dist', 'examples', 'node_modules', 'package.json']);
    for (const dep of Object.keys(pkg.dependencies)) expect(listing.modules).toContain(dep);
    expect(devOnly).toEqual(expect.arrayContaining(['typescript', 'vitest', 'eslint', 'tsx']));
    expect(devOnly.filter((d) => listing.modules.includes(d))).toEqual([]);
    // Sources, tests and test data stay out; only compiled JavaScript and the sample pipeline are in.
    const stray = listing.appFiles.filter(
      (f) =>
        /\.test\.|\.k8s-test\.|\.image-test\.|\/test\/|\/bench\//.test(f) ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')),
    );
    expect(stray).toEqual([]);
    expect(
      listing.appFiles
        .filter((f) => f.startsWith('/app/examples/'))
        .every((f) => f.includes('online-retail')),
    ).toBe(true);
  });

  it('has tini and node but no npm, npx, corepack, npm configuration, build CA, apt lists or .git', () => {
    expect(listing.present).toEqual(['/usr/bin/tini', '/usr/local/bin/node']);
  });

  it('carries no secret: no key material under /app or /etc, no credentials in its configuration', () => {
    const keys = inImage(`
      const fs = require('node:fs');
      const files = ${JSON.stringify([...listing.appFiles, ...listing.etcFiles])};
      console.log(JSON.stringify(files.filter((f) => { try { return /PRIVATE KEY|BEGIN CERTIFICATE/.test(fs.readFileSync(f, 'latin1')); } catch { return false; } })));
    `);
    expect(JSON.parse(keys)).toEqual([]);
    const [config] = JSON.parse(podman(['image', 'inspect', IMAGE])) as {
      Config: { Env: string[]; User: string; Entrypoint: string[]; Cmd: string[] };
    }[];
    const env = config?.Config.Env ?? [];
    expect(env.filter((e) => /token|secret|password|npm_config|_auth|ca_cert/i.test(e))).toEqual([]);
    expect(config?.Config.User).toBe('10001:10001');
    expect(config?.Config.Entrypoint).toEqual(['/usr/bin/tini', '--', 'node', '/app/bin/medallion.js']);
  });

  it('stays within the size budget of docs/benchmarks.md', () => {
    const budget = /Image size budget: (\d+) MB/.exec(readFileSync(`${REPO}/docs/benchmarks.md`, 'utf8'));
    expect(budget, 'docs/benchmarks.md states "Image size budget: N MB"').not.toBeNull();
    const size = Number(podman(['image', 'inspect', '--format', '{{.Size}}', IMAGE]).trim());
    console.log(`[image] ${IMAGE}: ${(size / 1e6).toFixed(1)} MB`);
    expect(size).toBeGreaterThan(0);
    expect(size / 1e6).toBeLessThanOrEqual(Number(budget?.[1]));
  });
});
