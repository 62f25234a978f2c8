import { describe, expect, it } from 'vitest';
import { KubeError, type KubeClient, type KubeObject, type WatchEvent } from '../kube/kube-client.js';
import { startInformer } from './informer.js';

const pod = (name: string, job: string, rv: string, extra: object = {}): KubeObject => ({
  metadata: { name, namespace: 'shop', resourceVersion: rv, labels: { 'job-name': job } },
  ...extra,
});

/** A client whose list returns `items` (through the transform) and whose watch replays `events`, then waits. */
function fakeClient(items: KubeObject[], events: WatchEvent[]) {
  const state = { transformed: 0 };
  const client = {
    list: (_c, _sel, transform) => {
      const out = items.map((o) => (transform ? (state.transformed++, transform(o)) : o));
      return Promise.resolve({ items: out, resourceVersion: '10' });
    },
    watch: (_c, _o, onEvent, signal) => {
      for (const e of events) onEvent(e);
      return new Promise<void>((r) => signal.addEventListener('abort', () => r()));
    },
  } as Partial<KubeClient> as KubeClient;
  return { client, state };
}

describe('informer', () => {
  it('transforms every cached object and keeps its indexes in step with adds, moves and deletes', async () => {
    const { client, state } = fakeClient(
      [pod('a', 'job-1', '1'), pod('b', 'job-1', '2'), pod('c', 'job-2', '3')],
      [
        { type: 'MODIFIED', object: pod('b', 'job-2', '11', { spec: { big: true } }) },
        { type: 'DELETED', object: pod('a', 'job-1', '12') },
        { type: 'ADDED', object: pod('d', 'job-3', '13', { spec: { big: true } }) },
      ],
    );
    const changed: string[] = [];
    const informer = startInformer<KubeObject>({
      client,
      collection: { apiVersion: 'v1', plural: 'pods' },
      onChange: (k) => changed.push(k),
      transform: ({ spec: _spec, ...rest }) => rest as KubeObject,
      indexers: {
        job: (o) => `${o.metadata.namespace}/${(o.metadata.labels as Record<string, string>)['job-name']}`,
      },
    });
    await informer.synced;
    await new Promise((r) => setTimeout(r, 10));
    const names = (job: string) =>
      informer
        .byIndex('job', `shop/${job}`)
        .map((o) => o.metadata.name)
        .sort();
    expect(names('job-1')).toEqual([]);
    expect(names('job-2')).toEqual(['b', 'c']);
    expect(names('job-3')).toEqual(['d']);
    expect(informer.byIndex('nope', 'shop/job-2')).toEqual([]);
    expect(informer.list().some((o) => 'spec' in o)).toBe(false);
    expect(state.transformed).toBe(3);
    expect(changed).toEqual(['shop/a', 'shop/b', 'shop/c', 'shop/b', 'shop/a', 'shop/d']);
    informer.stop();
  });

  it('an optional collection that is not served (404) is an empty synced cache until it lists', async () => {
    let served = false;
    const client = {
      list: () =>
        served
          ? Promise.resolve({ items: [pod('app', 'j', '5')], resourceVersion: '5' })
          : Promise.reject(new KubeError(404, 'list sparkapplications: HTTP 404 page not found')),
      watch: (_c, _o, _e, signal) => new Promise<void>((r) => signal.addEventListener('abort', () => r())),
    } as Partial<KubeClient> as KubeClient;
    const informer = startInformer<KubeObject>({
      client,
      collection: { apiVersion: 'sparkoperator.k8s.io/v1beta2', plural: 'sparkapplications' },
      onChange: () => {},
      optional: true,
      absentRetryMs: 20,
    });
    await informer.synced;
    expect(informer.absent?.()?.status).toBe(404);
    expect(informer.list()).toEqual([]);
    served = true;
    for (let i = 0; i < 100 && informer.absent?.(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(informer.absent?.()).toBeUndefined();
    expect(informer.list().map((o) => o.metadata.name)).toEqual(['app']);
    informer.stop();
  });

  it('a required collection that is not served never reads as synced and empty', async () => {
    const client = {
      list: () => Promise.reject(new KubeError(404, 'not found')),
    } as Partial<KubeClient> as KubeClient;
    const errors: unknown[] = [];
    const informer = startInformer<KubeObject>({
      client,
      collection: { apiVersion: 'batch/v1', plural: 'jobs' },
      onChange: () => {},
      onError: (e) => errors.push(e),
    });
    const synced = await Promise.race([
      informer.synced.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 300)),
    ]);
    expect(synced).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    expect(informer.absent?.()).toBeUndefined();
    informer.stop();
  });
});
