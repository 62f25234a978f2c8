import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import type { Script } from './fake-job-executor.js';
import { startFakeKubelet } from './fake-kubelet.js';
import { installCrds } from './install-crds.js';
import { kubeRest, type KubeRest } from './kube-rest.js';
import { startApiserver, type ControlPlane } from './start-apiserver.js';
import { waitFor } from './wait-for.js';

// `kubectl medallion` (bin/kubectl-medallion.js, compiled CLI: `npm run build` first) against a real kube-apiserver
// and kube-controller-manager, with the operator reconciling and the stand-in kubelet finishing the Job's Pods.
// For `logs`, the stand-in kubelet's node is registered as a Node whose kubelet endpoint is a small HTTPS server
// here: the apiserver's pods/log endpoint really proxies to it, as it would to a kubelet.

type Obj = Record<string, unknown>;
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(REPO, 'bin/kubectl-medallion.js');
const GROUP = '/apis/medallion.dev/v1alpha1';
const QUALITY = 0.937;
let cp: ControlPlane;
let api: KubeRest;
let op: RunningOperator | undefined;
let kubelet: ReturnType<typeof startFakeKubelet> | undefined;
let logServer: Server | undefined;
const logRequests: string[] = [];
let withoutCrds: Result;
const ns = `plugin-${Date.now()}`;

interface Result {
  code: number;
  out: string;
  err: string;
}

/** Runs the plugin as kubectl would: a separate process, the kubeconfig from KUBECONFIG. */
function plugin(args: string[], kubeconfig = cp.kubeconfig): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', KUBECONFIG: kubeconfig, HOME: tmpdir() } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout.trimEnd(), err: stderr.trimEnd() }),
    );
  });
}
const json = async (args: string[]) => {
  const r = await plugin([...args, '-n', ns, '-o', 'json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Obj;
};

const runStatus = async (name: string) =>
  ((await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineruns/${name}`)).body.status ?? {}) as Obj;
const waitPhase = (name: string, phases: string[]) =>
  waitFor(`${name} to be ${phases.join('/')}`, async () => {
    const s = await runStatus(name);
    return phases.includes(String(s.phase)) ? s : undefined;
  });

/** The log the stand-in kubelet serves for a container: three lines naming the pod. */
const podLogText = (pod: string, container: string) =>
  `starting ${container} of ${pod}\nrows read: 541909\ndone ${pod}\n`;

/** An HTTPS server answering the kubelet's /containerLogs/{ns}/{pod}/{container} (tailLines as kubelet does). */
async function startLogServer(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'fake-kubelet-tls-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=fake-node',
     '-keyout', join(dir, 'k.key'), '-out', join(dir, 'k.crt'), '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  ); // prettier-ignore
  logServer = createServer(
    { key: readFileSync(join(dir, 'k.key')), cert: readFileSync(join(dir, 'k.crt')) },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      logRequests.push(url.pathname);
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (!m) return void res.writeHead(404).end('not found');
      const lines = podLogText(m[2]!, m[3]!).split('\n').slice(0, -1);
      const tail = url.searchParams.get('tailLines');
      const kept = tail === null ? lines : lines.slice(-Number(tail));
      res.writeHead(200, { 'content-type': 'text/plain' }).end(kept.map((l) => `${l}\n`).join(''));
    },
  );
  await new Promise<void>((r) => logServer!.listen(0, '127.0.0.1', r));
  return (logServer.address() as { port: number }).port;
}

const script: Script = ({ name, step }) => {
  if (name.includes('-run-')) return 'hang'; // runs the plugin starts stay Running until cancelled
  const report: Obj = { v: 1, step, status: 'Succeeded', rowsIn: 100, rowsOut: 99, durationMs: 1500 };
  if (step === 'silver') report.quality = { score: QUALITY };
  return { ok: true, message: JSON.stringify(report) };
};

beforeAll(async () => {
  if (!existsSync(join(REPO, 'dist/cli/kubectl/plugin-main.js')))
    throw new Error(
      'dist/ is missing: run `npm run build` first (bin/kubectl-medallion.js runs the compiled CLI)',
    );
  cp = await startApiserver({
    binDir: inject('k8sBinDir'),
    controllerManager: true,
    beforeControllerManager: async (kubeconfig) => {
      withoutCrds = await plugin(['status'], kubeconfig);
      await installCrds(kubeRest(kubeconfig));
    },
  });
  api = kubeRest(cp.kubeconfig);
  op = startOperator({
    client: createKubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig })),
    logger: pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' }),
    defaultImage: 'medallion:test',
  });
  await op.synced;
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  await waitFor('the default ServiceAccount', async () =>
    (await api.call('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200
      ? true
      : undefined,
  );
  const port = await startLogServer();
  const node = await api.call('POST', '/api/v1/nodes', { metadata: { name: 'fake-node' } });
  expect(node.status, JSON.stringify(node.body)).toBe(201);
  const nodeStatus = await api.call(
    'PATCH',
    '/api/v1/nodes/fake-node/status',
    {
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: port } },
      },
    },
    'application/merge-patch+json',
  );
  expect(nodeStatus.status, JSON.stringify(nodeStatus.body)).toBe(200);
  for (const [plural, body] of [
    [
      'pipelines',
      {
        kind: 'Pipeline',
        metadata: { name: 'retail' },
        spec: { source: { uri: '/data' }, job: { image: 'medallion:test' } },
      },
    ],
    // Yearly, so no run is due while the test runs and the next schedule time is known.
    [
      'pipelineschedules',
      {
        kind: 'PipelineSchedule',
        metadata: { name: 'retail-yearly' },
        spec: { pipelineRef: { name: 'retail' }, schedule: '0 0 1 1 *' },
      },
    ],
  ] as const) {
    const res = await api.call('POST', `${GROUP}/namespaces/${ns}/${plural}`, {
      apiVersion: 'medallion.dev/v1alpha1',
      ...body,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  kubelet = startFakeKubelet(api, ns, script);
  const run = await api.call('POST', `${GROUP}/namespaces/${ns}/pipelineruns`, {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: 'nightly-1' },
    spec: { pipelineRef: { name: 'retail' }, steps: ['bronze', 'silver'] },
  });
  expect(run.status, JSON.stringify(run.body)).toBe(201);
  await waitPhase('nightly-1', ['Succeeded']);
});

afterAll(async () => {
  await kubelet?.stop();
  await op?.stop();
  await new Promise((r) => (logServer ? logServer.close(r) : r(undefined)));
  await cp?.stop();
});

describe('kubectl medallion against a real control plane', () => {
  it('before the CRDs are installed: CRDS_MISSING with a hint, no stack trace', () => {
    expect(withoutCrds.code).toBe(1);
    expect(withoutCrds.err).toMatch(
      /^error \[CRDS_MISSING\]: the cluster has no Medallion CRDs \(pipelines\.medallion\.dev/,
    );
    expect(withoutCrds.err).toContain('hint: Install the Medallion operator');
    expect(withoutCrds.err).not.toMatch(/\n\s+at /);
  });

  it('status: last run, quality score, freshness and next schedule, as a table and as JSON', async () => {
    const schedule = await waitFor('the next schedule time', async () => {
      const s = (await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineschedules/retail-yearly`)).body
        .status as Obj | undefined;
      return s?.nextScheduleTime ? String(s.nextScheduleTime) : undefined;
    });
    await waitFor('the Pipeline status to record the run', async () => {
      const s = (await api.call('GET', `${GROUP}/namespaces/${ns}/pipelines/retail`)).body.status as
        Obj | undefined;
      return s?.lastQualityScore === QUALITY ? true : undefined;
    });
    const table = await plugin(['status', '-n', ns]);
    expect(table.code, table.err).toBe(0);
    const [header, row, ...more] = table.out.split('\n');
    expect(header).toMatch(
      /^PIPELINE\s+READY\s+LAST RUN\s+PHASE\s+QUALITY\s+LAST SUCCESS\s+FRESHNESS\s+NEXT SCHEDULE\s+ACTIVE$/,
    );
    expect(row?.split(/\s{3,}/)).toEqual([
      'retail',
      'true',
      'nightly-1',
      'Succeeded',
      '0.937',
      expect.stringMatching(/^\d+s ago$/),
      'fresh',
      schedule,
      '0',
    ]);
    expect(more).toEqual([]);

    const one = await json(['status', 'retail']);
    expect(one).toMatchObject({
      name: 'retail',
      namespace: ns,
      lastRun: { name: 'nightly-1', phase: 'Succeeded' },
      qualityScore: QUALITY,
      freshness: 'fresh',
      nextScheduleTime: schedule,
      schedules: [
        { name: 'retail-yearly', schedule: '0 0 1 1 *', suspended: false, nextScheduleTime: schedule },
      ],
    });
    expect((one.recentRuns as Obj[]).map((r) => [r.name, r.phase, r.qualityScore])).toEqual([
      ['nightly-1', 'Succeeded', QUALITY],
    ]);
    const withRuns = await plugin(['status', 'retail', '-n', ns]);
    expect(withRuns.out).toContain('Schedule retail-yearly: 0 0 1 1 * (UTC), next ' + schedule);
    expect(withRuns.out).toMatch(
      /Recent runs \(1\):\nNAME\s+PIPELINE\s+PHASE.*\nnightly-1\s+retail\s+Succeeded\s+silver\s+2\/2\s+0\.937/,
    );
    const yaml = await plugin(['status', '-n', ns, '-o', 'yaml']);
    expect(yaml.out).toContain(`namespace: ${ns}\npipelines:\n  - name: retail`);

    const unknown = await plugin(['status', 'retial', '-n', ns]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe(
      `error [NOT_FOUND]: pipeline "retial" not found in namespace ${ns}\nhint: Pipelines in ${ns}: retail. Use -n NAMESPACE for another namespace.`,
    );
  });

  it('kubectl finds the plugin on PATH by its name and hands it the arguments', async () => {
    // What `npm i -g` does: a kubectl-medallion link to the bin in a directory on PATH.
    const pathDir = mkdtempSync(join(tmpdir(), 'kubectl-plugins-'));
    symlinkSync(BIN, join(pathDir, 'kubectl-medallion'));
    const kubectl = (args: string[]) =>
      new Promise<Result>((resolve) => {
        execFile(
          join(inject('k8sBinDir'), 'kubectl'),
          args,
          {
            env: {
              PATH: `${pathDir}:${dirname(process.execPath)}:/usr/bin:/bin`,
              KUBECONFIG: cp.kubeconfig,
              HOME: tmpdir(),
            },
          },
          (error, stdout, stderr) =>
            resolve({
              code: error ? Number(error.code ?? 1) : 0,
              out: stdout.trimEnd(),
              err: stderr.trimEnd(),
            }),
        );
      });
    const list = await kubectl(['plugin', 'list']);
    expect(list.out).toContain(join(pathDir, 'kubectl-medallion'));
    const runs = await kubectl(['medallion', 'runs', 'retail', '-n', ns, '-o', 'json']);
    expect(runs.code, runs.err).toBe(0);
    expect((JSON.parse(runs.out) as { items: Obj[] }).items.map((r) => (r.metadata as Obj).name)).toContain(
      'nightly-1',
    );
    const bad = await kubectl(['medallion', 'cancel']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('error [USAGE]: cancel needs RUN');
  });

  it('run creates a PipelineRun the operator starts; runs lists it; cancel stops it through spec.cancelled', async () => {
    const created = await json(['run', 'retail', '--steps', 'bronze,silver']);
    const name = (created.metadata as { name: string }).name;
    expect(name).toMatch(/^retail-run-[a-z0-9]+$/);
    expect(created).toMatchObject({
      kind: 'PipelineRun',
      metadata: {
        labels: { 'medallion.dev/pipeline': 'retail' },
        annotations: { 'medallion.dev/requested-by': 'kubectl-medallion' },
      },
      spec: { pipelineRef: { name: 'retail' }, steps: ['bronze', 'silver'], cancelled: false },
    });
    await waitFor(`${name} to run bronze`, async () => {
      const s = await runStatus(name);
      return s.phase === 'Running' && s.currentStep === 'bronze' ? true : undefined;
    });

    const list = await json(['runs']);
    const live = (await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineruns`)).body.items as Obj[];
    expect(list.kind).toBe('List');
    expect((list.items as Obj[]).map((r) => (r.metadata as Obj).name)).toEqual([name, 'nightly-1']);
    expect(new Set(live.map((r) => (r.metadata as Obj).name))).toEqual(new Set([name, 'nightly-1']));
    const table = await plugin(['runs', 'retail', '-n', ns]);
    const lines = table.out.split('\n');
    expect(lines[0]).toMatch(
      /^NAME\s+PIPELINE\s+PHASE\s+STEP\s+STEPS\s+QUALITY\s+PARTITIONS\s+DURATION\s+AGE$/,
    );
    expect(lines[1]?.split(/\s{3,}/).slice(0, 7)).toEqual([
      name,
      'retail',
      'Running',
      'bronze',
      '0/2',
      '-',
      '-',
    ]);
    expect(lines[2]?.split(/\s{3,}/).slice(0, 7)).toEqual([
      'nightly-1',
      'retail',
      'Succeeded',
      'silver',
      '2/2',
      '0.937',
      '-',
    ]);

    const cancel = await plugin(['cancel', name, '-n', ns]);
    expect(cancel.code, cancel.err).toBe(0);
    expect(cancel.out).toBe(
      `pipelinerun.medallion.dev/${name} cancelled (was Running; the operator stops its Jobs)`,
    );
    const final = await waitPhase(name, ['Cancelled']);
    expect(((final.steps as Obj[])[0] as Obj).phase).toBe('Cancelled');
    const managers = (
      (await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineruns/${name}`)).body.metadata as {
        managedFields: { manager: string }[];
      }
    ).managedFields.map((f) => f.manager);
    expect(managers).toContain('kubectl-medallion');

    const again = await plugin(['cancel', name, '-n', ns, '-o', 'json']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(
      new RegExp(`^error \\[CONFLICT\\]: pipelinerun ${name} already finished \\(Cancelled\\)`),
    );
    expect(again.out).toBe('');
    const missing = await plugin(['cancel', 'no-such-run', '-n', ns]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(
      `error [NOT_FOUND]: pipelinerun "no-such-run" not found in namespace ${ns}`,
    );
    expect(missing.err).toContain('hint: kubectl medallion runs lists the runs');
  });

  it('backfill needs spec.partitions in the CRD: a clear error without it, the range in the run with it', async () => {
    const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pipelineruns.medallion.dev';
    const crd = (await api.call('GET', crdPath)).body as {
      spec: {
        versions: {
          schema: {
            openAPIV3Schema: {
              properties: { spec: { properties: Obj; 'x-kubernetes-validations'?: { rule: string }[] } };
            };
          };
        }[];
      };
    };
    const specSchema = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec;
    const specProps = specSchema.properties;
    // This checks the plugin against both operator generations, whichever CRD this branch generates (an older
    // CRD has neither the field nor the rules that name it).
    delete specProps.partitions;
    specSchema['x-kubernetes-validations'] = specSchema['x-kubernetes-validations']?.filter(
      (v) => !v.rule.includes('partitions'),
    );
    expect((await api.call('PUT', crdPath, crd)).status).toBe(200);
    // The apiserver takes a moment to prune with a new schema; a dry-run create shows what it keeps.
    const partitionsKept = async () => {
      const dry = await api.call('POST', `${GROUP}/namespaces/${ns}/pipelineruns?dryRun=All`, {
        apiVersion: 'medallion.dev/v1alpha1',
        kind: 'PipelineRun',
        metadata: { name: 'dry' },
        spec: { pipelineRef: { name: 'retail' }, partitions: { from: '2011-01-01', to: '2011-01-02' } },
      });
      return (dry.body.spec as Obj | undefined)?.partitions !== undefined;
    };
    await waitFor('spec.partitions to be pruned', async () => ((await partitionsKept()) ? undefined : true));
    const before = ((await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineruns`)).body.items as Obj[])
      .length;
    const old = await plugin(['backfill', 'retail', '--from', '2011-03-01', '--to', '2011-03-31', '-n', ns]);
    expect(old.code).toBe(1);
    expect(old.err).toBe(
      'error [OPERATOR_OUTDATED]: the PipelineRun CRD in this cluster has no spec.partitions: backfills need a newer Medallion operator\n' +
        'hint: Upgrade the Medallion operator and its CRDs (helm upgrade medallion charts/medallion).',
    );
    const count = async () =>
      ((await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineruns`)).body.items as Obj[]).length;
    expect(await count()).toBe(before); // nothing was created

    specProps.partitions = {
      type: 'object',
      properties: { from: { type: 'string' }, to: { type: 'string' } },
    };
    const updated = (await api.call('GET', crdPath)).body as typeof crd;
    updated.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.partitions =
      specProps.partitions;
    expect((await api.call('PUT', crdPath, updated)).status).toBe(200);
    await waitFor('spec.partitions to be served', async () => ((await partitionsKept()) ? true : undefined));
    const created = await json(['backfill', 'retail', '--from', '2011-03-01', '--to', '2011-03-31']);
    const name = (created.metadata as { name: string }).name;
    expect(name).toMatch(/^retail-backfill-/);
    const stored = (await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineruns/${name}`)).body.spec as Obj;
    expect(stored.partitions).toEqual({ from: '2011-03-01', to: '2011-03-31' });
    const viaRun = await plugin(['run', 'retail', '--partitions', '2011-04-01..2011-04-02', '-n', ns]);
    expect(viaRun.out).toMatch(
      /^pipelinerun\.medallion\.dev\/retail-backfill-[a-z0-9]+ created \(partitions 2011-04-01\.\.2011-04-02\)$/,
    );
    const rows = (await plugin(['runs', '-n', ns])).out
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s{3,}/));
    expect(
      rows
        .filter((r) => r[6] !== '-')
        .map((r) => r[6])
        .sort(),
    ).toEqual(['2011-03-01..2011-03-31', '2011-04-01..2011-04-02']);
    expect(rows).toHaveLength(before + 2);
  });

  it("logs: the step Pod's log through the apiserver's pods/log endpoint, and a clear error when the kubelet does not answer", async () => {
    const pods = (
      await api.call(
        'GET',
        `/api/v1/namespaces/${ns}/pods?labelSelector=batch.kubernetes.io%2Fjob-name%3Dnightly-1-silver-1`,
      )
    ).body.items as Obj[];
    expect(pods).toHaveLength(1);
    const pod = (pods[0]!.metadata as { name: string }).name;

    const out = await plugin(['logs', 'nightly-1', '--step', 'silver', '-n', ns]);
    expect(out.code, out.err).toBe(0);
    expect(out.out).toBe(podLogText(pod, 'step').trimEnd());
    expect(logRequests).toContain(`/containerLogs/${ns}/${pod}/step`);
    const tail = await plugin(['logs', 'nightly-1', '-n', ns, '--tail', '1']);
    expect(tail.out).toBe(`done ${pod}`); // no --step: the last step that ran (silver)
    // kubectl logs' flag for kubelets with self-signed certificates is passed through (this apiserver has no
    // kubelet CA configured, so it does not verify the stand-in's certificate either way).
    const asJson = await json([
      'logs',
      'nightly-1',
      '--step',
      'silver',
      '--insecure-skip-tls-verify-backend',
    ]);
    expect(asJson).toEqual({
      run: 'nightly-1',
      step: 'silver',
      pod,
      container: 'step',
      log: podLogText(pod, 'step'),
    });

    // A kubelet that does not answer: the apiserver's error, with where to look, and no stack trace.
    await new Promise((r) => logServer!.close(r));
    logServer = undefined;
    const down = await plugin(['logs', 'nightly-1', '--step', 'bronze', '-n', ns]);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(
      /^error \[KUBE_API\]: cannot read the log of pod nightly-1-bronze-1-\w+ \(step bronze\): log of pod .*HTTP 500 .*connection refused/,
    );
    expect(down.err).toContain(
      'hint: The apiserver reads logs from the kubelet of node fake-node; check that the node is Ready and reachable',
    );
    expect(down.err).not.toMatch(/\n\s+at /);
    const noStep = await plugin(['logs', 'nightly-1', '--step', 'gold', '-n', ns]);
    expect(noStep.code).toBe(2);
    expect(noStep.err).toBe(
      'error [USAGE]: run nightly-1 has no step "gold"\nhint: Its steps: bronze, silver.',
    );
  });
});
