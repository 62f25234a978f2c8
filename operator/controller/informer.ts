import {
  isStatus,
  KubeError,
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
  /** Cached objects whose indexer (see InformerOptions.indexers) returned `value`; [] for an unknown index. */
  byIndex(index: string, value: string): T[];
  /** Resolves once the first list has filled the cache (or, for an optional collection, found it absent). */
  synced: Promise<void>;
  /**
   * For an optional collection: the 404 (resource not served: its CRD is not installed) or 403 (not allowed) of the
   * last list, while it lasts; undefined once the collection lists.
   */
  absent?(): KubeError | undefined;
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
  /** Applied to every object before it is cached (to keep only what the reconcilers read). */
  transform?: (o: KubeObject) => KubeObject;
  /** Named secondary keys, so handlers find e.g. a run's Jobs without scanning the whole cache. */
  indexers?: Record<string, (o: KubeObject) => string | undefined>;
  /**
   * The collection may not exist (another operator's CRD) or be forbidden: a 404 or 403 then reads as an empty,
   * synced cache that lists again every `absentRetryMs` (default 30 s), instead of holding up the caches' sync.
   */
  optional?: boolean;
  absentRetryMs?: number;
}

export const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** key sets per index value, per index name */
function createIndexes(indexers: Record<string, (o: KubeObject) => string | undefined>) {
  const maps = new Map(Object.keys(indexers).map((name) => [name, new Map<string, Set<string>>()]));
  const edit = (key: string, o: KubeObject, add: boolean) => {
    for (const [name, fn] of Object.entries(indexers)) {
      const value = fn(o);
      if (value === undefined) continue;
      const byValue = maps.get(name);
      if (!byValue) continue;
      const keys = byValue.get(value);
      if (add) {
        if (keys) keys.add(key);
        else byValue.set(value, new Set([key]));
      } else if (keys) {
        keys.delete(key);
        if (keys.size === 0) byValue.delete(value);
      }
    }
  };
  return {
    add: (key: string, o: KubeObject) => edit(key, o, true),
    remove: (key: string, o: KubeObject | undefined) => o && edit(key, o, false),
    keys: (name: string, value: string) => maps.get(name)?.get(value) ?? new Set<string>(),
    clear: () => maps.forEach((m) => m.clear()),
  };
}

export function startInformer<T extends KubeObject>(opts: InformerOptions): Informer<T> {
  const cache = new Map<string, T>();
  const indexes = createIndexes(opts.indexers ?? {});
  const transform = (o: KubeObject) => (opts.transform ? opts.transform(o) : o) as T;
  const put = (key: string, o: T) => {
    indexes.remove(key, cache.get(key));
    cache.set(key, o);
    indexes.add(key, o);
  };
  const drop = (key: string) => {
    indexes.remove(key, cache.get(key));
    cache.delete(key);
  };
  const abort = new AbortController();
  let markSynced: () => void = () => {};
  const synced = new Promise<void>((r) => (markSynced = r));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

  async function relist(): Promise<string> {
    const res = await opts.client.list<T>(opts.collection, opts.labelSelector, transform);
    const fresh = new Map(res.items.map((o) => [keyOf(o), o] as const));
    res.items.length = 0;
    const changed: string[] = [];
    for (const key of cache.keys()) if (!fresh.has(key)) changed.push(key);
    for (const [key, o] of fresh) {
      if (cache.get(key)?.metadata.resourceVersion !== o.metadata.resourceVersion) changed.push(key);
    }
    cache.clear();
    indexes.clear();
    for (const [key, o] of fresh) put(key, o);
    markSynced();
    for (const key of changed) opts.onChange(key);
    return res.resourceVersion;
  }

  let absent: KubeError | undefined;
  const isAbsence = (e: unknown): e is KubeError =>
    opts.optional === true && (isStatus(e, 404) || isStatus(e, 403));

  async function run() {
    let rv: string | undefined;
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        rv ??= await relist();
        absent = undefined;
        let gone = false;
        const onEvent = (e: WatchEvent) => {
          if (e.type === 'ERROR') {
            gone = (e.object as { code?: number }).code === 410;
            return;
          }
          const raw = e.object as T;
          rv = raw.metadata.resourceVersion ?? rv;
          if (e.type === 'BOOKMARK') return;
          const key = keyOf(raw);
          if (e.type === 'DELETED') drop(key);
          else put(key, transform(raw));
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
        if (isAbsence(e)) {
          absent = e;
          rv = undefined;
          const gone = [...cache.keys()];
          cache.clear();
          indexes.clear();
          markSynced();
          for (const key of gone) opts.onChange(key);
          await sleep(opts.absentRetryMs ?? 30_000);
          continue;
        }
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
    byIndex: (index, value) =>
      [...indexes.keys(index, value)].flatMap((k) => {
        const o = cache.get(k);
        return o ? [o] : [];
      }),
    synced,
    absent: () => absent,
    stop: () => abort.abort(),
  };
}
