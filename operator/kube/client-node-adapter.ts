import { Agent as HttpsAgent, type Agent } from 'node:https';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  ServerConfiguration,
  Watch,
  createConfiguration,
  setHeaderOptions,
  type CoreV1Event,
  type RequestContext,
  type SecurityAuthentication,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { FIELD_MANAGER as OPERATOR_FIELD_MANAGER } from '../core/names.js';
import {
  KubeError,
  collectionUrlPath,
  type Collection,
  type KubeClient,
  type KubeObject,
  type WatchEvent,
} from './kube-client.js';

/**
 * The KubeClient port on @kubernetes/client-node 1.x. Everything under /apis (the medallion.dev resources, batch/v1
 * Jobs, coordination.k8s.io/v1 Leases) goes through CustomObjectsApi, whose requests and answers are untyped JSON, so
 * list results have the same shape as watch events (the typed APIs turn timestamps into Date objects). The few core
 * resources the operator touches go through CoreV1Api, and listed Pods are turned back into wire JSON.
 * Writes carry the field manager `medallion-operator`.
 */

/**
 * A kubeconfig file (current context), or else the pod's service account: `loadFromCluster` reads
 * KUBERNETES_SERVICE_HOST/PORT and the token, CA and namespace files, and re-reads the token as the kubelet rotates it.
 */
export function loadKubeConfig(opts: {
  kubeconfig?: string;
  inCluster?: boolean;
  /** Prefix of /var/run/secrets/kubernetes.io/serviceaccount (tests). */
  serviceAccountRoot?: string;
}): KubeConfig {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else if (opts.inCluster) kc.loadFromCluster(opts.serviceAccountRoot);
  else throw new Error('no kubeconfig given and not running in a cluster (KUBERNETES_SERVICE_HOST unset)');
  if (!kc.getCurrentCluster()) throw new Error(`kubeconfig ${opts.kubeconfig ?? ''}: no current cluster`);
  return kc;
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The apiserver's Status message when there is one, so errors read like kubectl's. */
function toKubeError(e: unknown, what: string): unknown {
  if (e instanceof ApiException) {
    const body: unknown = e.body;
    const message =
      typeof body === 'object' && body && 'message' in body ? String(body.message) : String(body ?? '');
    return new KubeError(e.code, `${what}: HTTP ${e.code} ${message}`);
  }
  const status = (e as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === 'number') return new KubeError(status, `${what}: HTTP ${status}`);
  return e;
}

/** Typed models hold Date objects; the port promises the apiserver's JSON (RFC 3339 strings). */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      if (v !== undefined) out[k === '_continue' ? 'continue' : k] = toWire(v);
    return out;
  }
  return value;
}

interface ListPage {
  items: KubeObject[];
  metadata?: { resourceVersion?: string; continue?: string; _continue?: string };
}

interface KubeClientOptions {
  /** Objects per list request; lists are paged so no single response holds a whole large collection. */
  pageSize?: number;
  /** Field manager of writes; the kubectl plugin writes as itself, not as the operator. */
  fieldManager?: string;
}

/**
 * The library's auth step builds a new https.Agent for every request, so every request paid a TLS handshake and a
 * fresh TLS context (CA parsed again): tens of KiB of native memory each, and a write burst of 1,000 status updates
 * left tens of MiB for the GC to find. This auth method lets the kubeconfig do its part (token, exec and OIDC
 * plugins, client certificates) and then swaps in one keep-alive agent per distinct TLS identity.
 */
function sharedAgentAuth(kc: KubeConfig): SecurityAuthentication {
  const agents = new Map<string, Agent>();
  return {
    getName: () => 'medallion-shared-agent',
    async applySecurityAuthentication(context: RequestContext) {
      await kc.applySecurityAuthentication(context);
      const fresh = context.getAgent();
      if (!(fresh instanceof HttpsAgent) || kc.getCurrentCluster()?.proxyUrl) return;
      const o = fresh.options;
      // Certificates rotated by an exec plugin give a new key, hence a new agent; the old one idles out.
      const id = JSON.stringify([o.ca, o.cert, o.key, o.pfx, o.rejectUnauthorized, o.servername].map(String));
      let agent = agents.get(id);
      if (!agent) {
        agents.clear();
        agent = new HttpsAgent({ ...o, keepAlive: true, maxFreeSockets: 4 });
        agents.set(id, agent);
      }
      context.setAgent(agent);
    },
  };
}

export function createKubeClient(kc: KubeConfig, options: KubeClientOptions = {}): KubeClient {
  const pageSize = options.pageSize ?? 500;
  const FIELD_MANAGER = options.fieldManager ?? OPERATOR_FIELD_MANAGER;
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig: no current cluster');
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: sharedAgentAuth(kc) },
  });
  const custom = new CustomObjectsApi(configuration);
  const core = new CoreV1Api(configuration);
  const watcher = new Watch(kc);
  const mergePatchOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  const guard = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (e) {
      throw toKubeError(e, what);
    }
  };
  const named = (c: Collection, name: string) => {
    if (!c.namespace) throw new Error(`${c.plural}/${name}: the operator only writes namespaced objects`);
    return { ...groupVersion(c.apiVersion), plural: c.plural, namespace: c.namespace, name };
  };
  const coreOnly = (c: Collection, verb: string): never => {
    throw new Error(`${verb} ${c.plural} (core ${c.apiVersion}): not an operation the operator makes`);
  };

  async function listPage(c: Collection, labelSelector: string | undefined, cont: string | undefined) {
    const paging = {
      limit: pageSize,
      ...(labelSelector ? { labelSelector } : {}),
      ...(cont ? { _continue: cont } : {}),
    };
    if (!c.apiVersion.includes('/')) {
      if (c.plural !== 'pods') return coreOnly(c, 'list');
      const typed = c.namespace
        ? await core.listNamespacedPod({ namespace: c.namespace, ...paging })
        : await core.listPodForAllNamespaces(paging);
      return toWire(typed) as ListPage;
    }
    const gvp = { ...groupVersion(c.apiVersion), plural: c.plural };
    return (await (c.namespace
      ? custom.listNamespacedCustomObject({ ...gvp, namespace: c.namespace, ...paging })
      : custom.listClusterCustomObject({ ...gvp, ...paging }))) as ListPage;
  }

  return {
    list: <T extends KubeObject>(c: Collection, labelSelector?: string, transform?: (o: KubeObject) => T) =>
      guard(`list ${collectionUrlPath(c)}`, async () => {
        const items: T[] = [];
        let cont: string | undefined;
        let resourceVersion = '';
        do {
          const page = await listPage(c, labelSelector, cont);
          for (const o of page.items as T[]) items.push(transform ? transform(o) : o);
          // All pages come from one snapshot; its resourceVersion is where the watch starts.
          resourceVersion ||= page.metadata?.resourceVersion ?? '';
          cont = page.metadata?.continue || page.metadata?._continue || undefined;
        } while (cont);
        return { items, resourceVersion };
      }),

    watch(c, opts, onEvent, signal) {
      const path = collectionUrlPath(c);
      return new Promise<void>((resolve, reject) => {
        let controller: AbortController | undefined;
        const abort = () => controller?.abort();
        signal.addEventListener('abort', abort, { once: true });
        const done = (err: unknown) => {
          signal.removeEventListener('abort', abort);
          if (!err || signal.aborted) resolve();
          else reject(toKubeError(err, `watch ${path}`));
        };
        const query = {
          allowWatchBookmarks: true,
          resourceVersion: opts.resourceVersion,
          timeoutSeconds: opts.timeoutSeconds,
          ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
        };
        watcher
          .watch(path, query, (type, object) => onEvent({ type, object } as WatchEvent), done)
          .then((c) => {
            controller = c;
            if (signal.aborted) c.abort();
          }, done);
      });
    },

    get: <T extends KubeObject>(c: Collection, name: string) =>
      guard(`get ${collectionUrlPath(c)}/${name}`, async () => {
        if (!c.apiVersion.includes('/')) return coreOnly(c, 'get');
        try {
          return (await custom.getNamespacedCustomObject(named(c, name))) as T;
        } catch (e) {
          if (e instanceof ApiException && e.code === 404) return undefined;
          throw e;
        }
      }),

    create: (c, body) =>
      guard(
        `create ${collectionUrlPath(c)}/${body.metadata.name ?? body.metadata.generateName ?? ''}`,
        async () => {
          const namespace = c.namespace ?? '';
          const fieldManager = FIELD_MANAGER;
          if (c.apiVersion.includes('/')) {
            const gvp = { ...groupVersion(c.apiVersion), plural: c.plural };
            await custom.createNamespacedCustomObject({ ...gvp, namespace, body, fieldManager });
          } else if (c.plural === 'configmaps') {
            await core.createNamespacedConfigMap({ namespace, body: body as V1ConfigMap, fieldManager });
          } else if (c.plural === 'events') {
            // Plain JSON like every other body: the serializer passes string timestamps through unchanged.
            await core.createNamespacedEvent({
              namespace,
              body: body as unknown as CoreV1Event,
              fieldManager,
            });
          } else coreOnly(c, 'create');
        },
      ),

    replace: (c, body) =>
      guard(`replace ${collectionUrlPath(c)}/${body.metadata.name}`, async () => {
        if (!c.apiVersion.includes('/')) return coreOnly(c, 'replace');
        await custom.replaceNamespacedCustomObject({
          ...named(c, body.metadata.name),
          body,
          fieldManager: FIELD_MANAGER,
        });
      }),

    replaceStatus: (c, body) =>
      guard(`update status of ${collectionUrlPath(c)}/${body.metadata.name}`, async () => {
        if (!c.apiVersion.includes('/')) return coreOnly(c, 'replace status of');
        await custom.replaceNamespacedCustomObjectStatus({
          ...named(c, body.metadata.name),
          body,
          fieldManager: FIELD_MANAGER,
        });
      }),

    mergePatch: (c, name, patch) =>
      guard(`patch ${collectionUrlPath(c)}/${name}`, async () => {
        if (!c.apiVersion.includes('/')) return coreOnly(c, 'patch');
        await custom.patchNamespacedCustomObject(
          { ...named(c, name), body: patch, fieldManager: FIELD_MANAGER },
          mergePatchOptions,
        );
      }),

    delete: (c, name) =>
      guard(`delete ${collectionUrlPath(c)}/${name}`, async () => {
        if (!c.apiVersion.includes('/')) return coreOnly(c, 'delete');
        await custom.deleteNamespacedCustomObject({ ...named(c, name), propagationPolicy: 'Background' });
      }),
  };
}
