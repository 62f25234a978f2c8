import type { KubeClient, WatchEvent } from '../kube/kube-client.js';

/**
 * List-then-watch cache of one resource collection. Recovers by itself: a closed or failed watch resumes from the
 * last resourceVersion, a 410 Gone (history compacted, apiserver restarted) relists and reports the differences, and
 * transport errors back off exponentially. Handlers get the object's cache key (namespace/name).
 */

export interface KubeObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface Informer<T extends KubeObject> {
  get(key: string): T | undefined;
  list(): T[];
  /** Resolves once the first list has filled the cache. */
  synced: Promise<void>;
  stop(): void;
}

export interface InformerOptions {
  client: KubeClient;
  /** Collection path, e.g. /apis/batch/v1/jobs (all namespaces) or /api/v1/namespaces/x/pods. */
  path: string;
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
  const selector = opts.labelSelector ? `&labelSelector=${encodeURIComponent(opts.labelSelector)}` : '';
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

  async function relist(): Promise<string> {
    const res = await opts.client.call<{
      items: T[];
      metadata: { resourceVersion: string };
      message?: string;
    }>('GET', `${opts.path}?limit=0${selector}`);
    if (res.status !== 200)
      throw new Error(`list ${opts.path}: HTTP ${res.status} ${res.body.message ?? ''}`);
    const fresh = new Map(res.body.items.map((o) => [keyOf(o), o] as const));
    const changed: string[] = [];
    for (const key of cache.keys()) if (!fresh.has(key)) changed.push(key);
    for (const [key, o] of fresh) {
      if (cache.get(key)?.metadata.resourceVersion !== o.metadata.resourceVersion) changed.push(key);
    }
    cache.clear();
    for (const [key, o] of fresh) cache.set(key, o);
    markSynced();
    for (const key of changed) opts.onChange(key);
    return res.body.metadata.resourceVersion;
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
        const timeout = opts.watchTimeoutSeconds ?? 300;
        await opts.client.watch(
          `${opts.path}?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}&timeoutSeconds=${timeout}${selector}`,
          onEvent,
          abort.signal,
        );
        if (gone) rv = undefined;
        failures = 0;
      } catch (e) {
        if (abort.signal.aborted) return;
        // 410 on the watch request itself also means our resourceVersion is too old.
        if ((e as { status?: number }).status === 410) rv = undefined;
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
