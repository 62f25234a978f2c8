import { MedallionError, type ErrorOptions } from '../../runner/errors.js';
/**
 * The operator's port to the apiserver: resource operations on collections of plain JSON objects (as the apiserver
 * sends them, timestamps as strings), plus a watch stream. Informers, writes and leader election depend on this
 * interface only; `client-node-adapter.ts` implements it with @kubernetes/client-node.
 */

export interface KubeObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** A resource collection: `v1` (core) or `group/version`, the plural, and a namespace (all namespaces when unset). */
export interface Collection {
  apiVersion: string;
  plural: string;
  namespace?: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

interface WatchOptions {
  resourceVersion: string;
  labelSelector?: string;
  /** Server-side timeout; the stream then ends normally. */
  timeoutSeconds: number;
}

/** An object as written back whole (metadata with its resourceVersion). */
interface WholeObject {
  metadata: { name: string; resourceVersion?: string };
  [k: string]: unknown;
}

export interface KubeClient {
  /**
   * The whole collection and the resourceVersion to watch from; `transform` is applied to each page's items as it
   * arrives, so a large list never holds every full object at once.
   */
  list<T extends KubeObject>(
    c: Collection,
    labelSelector?: string,
    transform?: (o: KubeObject) => T,
  ): Promise<{ items: T[]; resourceVersion: string }>;
  /** Streams events (bookmarks included) until the server ends the stream or `signal` aborts; rejects on errors. */
  watch(
    c: Collection,
    opts: WatchOptions,
    onEvent: (e: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /** undefined when the object does not exist. */
  get<T extends KubeObject>(c: Collection, name: string): Promise<T | undefined>;
  create(
    c: Collection,
    body: { metadata: { name?: string; generateName?: string }; [k: string]: unknown },
  ): Promise<void>;
  /** PUT: optimistic when `body.metadata.resourceVersion` is set (409 on a stale one). */
  replace(c: Collection, body: WholeObject): Promise<void>;
  /** PUT to the status subresource, optimistic like `replace`. */
  replaceStatus(c: Collection, body: WholeObject): Promise<void>;
  /** JSON merge patch (RFC 7386) of the object. */
  mergePatch(c: Collection, name: string, patch: object): Promise<void>;
  /** Deletes with background propagation (dependents are garbage-collected without blocking). */
  delete(c: Collection, name: string): Promise<void>;
}

/** Every failed request with an HTTP status (409 Conflict, 404 Not Found, 410 Gone, ...). */
export class KubeError extends MedallionError {
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super('KUBE_API', message, options);
  }
}

export const isStatus = (e: unknown, status: number): boolean =>
  e instanceof KubeError && e.status === status;

/** `/api/v1/...` for the core group, `/apis/<group>/<version>/...` otherwise. */
export function collectionUrlPath(c: Collection): string {
  const prefix = c.apiVersion.includes('/') ? `/apis/${c.apiVersion}` : `/api/${c.apiVersion}`;
  return c.namespace ? `${prefix}/namespaces/${c.namespace}/${c.plural}` : `${prefix}/${c.plural}`;
}
