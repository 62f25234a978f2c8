import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { KubeError, type Collection, type KubeClient } from '../kube/kube-client.js';
import type { RunAction } from '../run/reconcile-run.js';
import type { SparkApplicationManifest } from '../run/spark-application.js';
import { executeRunActions } from './run-actions.js';

/** A client that records writes and answers 404 for resources it does not serve, like an apiserver without a CRD. */
function client(served: (c: Collection) => boolean) {
  const calls: string[] = [];
  const answer = (verb: string, c: Collection, name: string) => {
    calls.push(`${verb} ${c.apiVersion} ${c.plural}/${name}`);
    return served(c)
      ? Promise.resolve()
      : Promise.reject(new KubeError(404, `${verb} ${c.plural}: HTTP 404`));
  };
  const kube = {
    create: (c, body) => answer('create', c, String(body.metadata.name)),
    delete: (c, name) => answer('delete', c, name),
    mergePatch: (c, name) => answer('patch', c, name),
  } as Partial<KubeClient> as KubeClient;
  return { kube, calls };
}
const app = (name: string) =>
  ({
    apiVersion: 'sparkoperator.k8s.io/v1beta2',
    kind: 'SparkApplication',
    metadata: { name },
  }) as SparkApplicationManifest;
const log = pino({ level: 'silent' });

describe('executeRunActions', () => {
  it('creates, suspends and deletes SparkApplications in their group', async () => {
    const { kube, calls } = client(() => true);
    const actions: RunAction[] = [
      { type: 'createSparkApplication', app: app('r1-silver-1') },
      { type: 'suspendSparkApplication', name: 'r1-silver-1', suspend: true },
      { type: 'deleteSparkApplication', name: 'r1-silver-1' },
    ];
    expect(await executeRunActions(kube, 'shop', actions, log)).toEqual({});
    expect(calls).toEqual([
      'create sparkoperator.k8s.io/v1beta2 sparkapplications/r1-silver-1',
      'patch sparkoperator.k8s.io/v1beta2 sparkapplications/r1-silver-1',
      'delete sparkoperator.k8s.io/v1beta2 sparkapplications/r1-silver-1',
    ]);
  });

  it('stops at a create that finds no SparkApplication resource and hands back the 404', async () => {
    const { kube, calls } = client((c) => c.plural !== 'sparkapplications');
    const actions: RunAction[] = [
      { type: 'createSparkApplication', app: app('r1-gold-1') },
      { type: 'deleteJob', name: 'never-reached' },
    ];
    const result = await executeRunActions(kube, 'shop', actions, log);
    expect(result.sparkMissing?.status).toBe(404);
    expect(calls).toEqual(['create sparkoperator.k8s.io/v1beta2 sparkapplications/r1-gold-1']);
    // Deleting an application whose CRD is gone is success: it is gone too.
    expect(
      await executeRunActions(kube, 'shop', [{ type: 'deleteSparkApplication', name: 'x' }], log),
    ).toEqual({});
  });
});
