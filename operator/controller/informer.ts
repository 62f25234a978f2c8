import {
  isStatus,
  type Collection,
  type KubeClient,
  type KubeObject,
  type WatchEvent,
} from '../kube/kube-client.js';

export type { KubeObject };

/**
 * List-then-watch cache of one resource collection. Recovers by itself: a closed or failed watch resumes from the
 * last resourceVersion, a 410 Gone (history compacted, apiserver restarted) relists and reports the differences, and
 * transport errors back off exponentially. Handlers get the object's cache key (namespace/name).
 */

export interface Informer<T extends KubeObject> {
  get(key: string): T | undefined;
  list(): T[];
  /** Resolves once the first list has filled the cache. */
  synced: Promise<void>;
  stop(): void;
}

export interface InformerOptions {
  client: KubeClient;
  /** e.g. batch/v1 jobs in all namespaces, or v1 pods in namespace x. */
  collection: Collection;
  labelSelector?: string;
  onChange: (key: string) => void;
  onError?: (e: unknown) => void;
  /** Server-side watch timeout; the watch is renewed after it, which also bounds a silently dead connection. */
  watchTimeoutSeconds?: number;
}

export const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export function startInformer<T extends KubeObject>(opts: InformerOptions): Informer<T> {
  const cache = new Map<string, T>();
  const abort = new AbortController();
  let markSynced: () => void = () => {};
  const synced = new Promise<void>((r) => (markSynced = r));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

  async function relist(): Promise<string> {
    const res = await opts.client.list<T>(opts.collection, opts.labelSelector);
    const fresh = new Map(res.items.map((o) => [keyOf(o), o] as const));
    const changed: string[] = [];
    for (const key of cache.keys()) if (!fresh.has(key)) changed.push(key);
    for (const [key, o] of fresh) {
      if (cache.get(key)?.metadata.resourceVersion !== o.metadata.resourceVersion) changed.push(key);
    }
    cache.clear();
    for (const [key, o] of fresh) cache.set(key, o);
    markSynced();
    for (const key of changed) opts.onChange(key);
    return res.resourceVersion;
  }

  async function run() {
    let rv: string | undefined;
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        rv ??= await relist();
        let gone = false;
        const onEvent = (e: WatchEvent) => {
          if (e.type === 'ERROR') {
            gone = (e.object as { code?: number }).code === 410;
            return;
          }
          const o = e.object as T;
          rv = o.metadata.resourceVersion ?? rv;
          if (e.type === 'BOOKMARK') return;
          const key = keyOf(o);
          if (e.type === 'DELETED') cache.delete(key);
          else cache.set(key, o);
          opts.onChange(key);
        };
        await opts.client.watch(
          opts.collection,
          {
            resourceVersion: rv,
            timeoutSeconds: opts.watchTimeoutSeconds ?? 300,
            ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
          },
          onEvent,
          abort.signal,
        );
        if (gone) rv = undefined;
        failures = 0;
      } catch (e) {
        if (abort.signal.aborted) return;
        // 410 on the watch request itself also means our resourceVersion is too old.
        if (isStatus(e, 410)) rv = undefined;
        opts.onError?.(e);
        failures++;
        await sleep(Math.min(100 * 2 ** failures, 10_000));
      }
    }
  }
  void run();

  return {
    get: (key) => cache.get(key),
    list: () => [...cache.values()],
    synced,
    stop: () => abort.abort(),
  };
}
