import { existsSync } from 'node:fs';
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { createKubeClient } from '../../operator/kube/client-node-adapter.js';
import { KubeError, type Collection, type KubeClient } from '../../operator/kube/kube-client.js';
import { MedallionError, UsageError } from '../../runner/errors.js';
import type { PluginConfig } from './plugin-config.js';

export const GROUP_VERSION = 'medallion.dev/v1alpha1';
export const PLUGIN_FIELD_MANAGER = 'kubectl-medallion';

/** What the commands need from the cluster: the operator's client for the custom resources, plus pod logs. */
export interface PluginKube {
  server: string;
  namespace: string;
  client: KubeClient;
  collection(plural: string): Collection;
  /** The step container's log through the apiserver's pods/log endpoint (the apiserver asks the node's kubelet). */
  podLog(
    pod: string,
    opts: { container: string; tailLines?: number; insecureSkipTLSVerifyBackend?: boolean },
  ): Promise<string>;
  /**
   * Whether the apiserver keeps `spec.<field>` of this PipelineRun: a server-side dry-run create, so an older CRD's
   * pruning shows without creating anything and with no more rights than the create itself (no CRD read).
   */
  keepsSpecField(body: { metadata: { name: string }; spec: object }, field: string): Promise<boolean>;
}

/** Merges the files the way kubectl does: for each name (cluster, user, context) the first file that sets it wins. */
function loadMerged(files: string[]): KubeConfig {
  const merged = { clusters: [], users: [], contexts: [], currentContext: '' } as unknown as {
    clusters: { name: string }[];
    users: { name: string }[];
    contexts: { name: string }[];
    currentContext: string;
  };
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) {
    throw new UsageError(
      `kubeconfig ${files.join(', ')} not found`,
      'Pass --kubeconfig FILE or set KUBECONFIG.',
    );
  }
  for (const file of present) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (e) {
      throw new UsageError(`kubeconfig ${file} cannot be read: ${(e as Error).message}`, 'Check the file.');
    }
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      for (const item of one[key]) if (!merged[key].some((m) => m.name === item.name)) merged[key].push(item);
    }
    merged.currentContext ||= one.currentContext;
  }
  const kc = new KubeConfig();
  kc.loadFromOptions(merged);
  return kc;
}

export function connectKube(config: PluginConfig): PluginKube {
  const kc = loadMerged(config.kubeconfigFiles);
  if (config.context) {
    if (!kc.getContextObject(config.context)) {
      throw new UsageError(
        `context "${config.context}" is not in the kubeconfig`,
        `Contexts: ${kc.contexts.map((c) => c.name).join(', ') || 'none'} (kubectl config get-contexts).`,
      );
    }
    kc.setCurrentContext(config.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new UsageError('the kubeconfig has no current context/cluster', 'Pass --context NAME.');
  }
  const namespace = config.namespace ?? kc.getContextObject(kc.currentContext)?.namespace ?? 'default';
  const client = createKubeClient(kc, { fieldManager: PLUGIN_FIELD_MANAGER });
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const server = cluster.server;
  return {
    server,
    namespace,
    client: guardClient(client, server),
    collection: (plural) => ({ apiVersion: plural === 'pods' ? 'v1' : GROUP_VERSION, plural, namespace }),
    podLog: (pod, opts) =>
      guard(server, async () => {
        try {
          return await core.readNamespacedPodLog({
            name: pod,
            namespace,
            container: opts.container,
            ...(opts.tailLines === undefined ? {} : { tailLines: opts.tailLines }),
            ...(opts.insecureSkipTLSVerifyBackend ? { insecureSkipTLSVerifyBackend: true } : {}),
          });
        } catch (e) {
          throw apiError(e, `log of pod ${namespace}/${pod}`);
        }
      }),
    keepsSpecField: (body, field) =>
      guard(server, async () => {
        const [group, version] = GROUP_VERSION.split('/') as [string, string];
        let echoed: { spec?: Record<string, unknown> };
        try {
          echoed = (await custom.createNamespacedCustomObject({
            group,
            version,
            plural: 'pipelineruns',
            namespace,
            body,
            dryRun: 'All',
            fieldManager: PLUGIN_FIELD_MANAGER,
          })) as typeof echoed;
        } catch (e) {
          if (e instanceof ApiException && e.code === 404) throw crdsMissing('pipelineruns.medallion.dev');
          throw apiError(e, `dry-run create pipelineruns/${body.metadata.name}`);
        }
        return echoed.spec?.[field] !== undefined;
      }),
  };
}

function apiError(e: unknown, what: string): unknown {
  if (!(e instanceof ApiException)) return e;
  const body = e.body as unknown;
  let message = typeof body === 'string' ? body : '';
  try {
    const parsed =
      typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string });
    message = parsed?.message ?? message;
  } catch {
    // A plain-text body is the message itself.
  }
  return new KubeError(e.code, `${what}: HTTP ${e.code} ${message}`.trim());
}

export const crdsMissing = (what: string) =>
  new MedallionError('CRDS_MISSING', `the cluster has no Medallion CRDs (${what} is not served)`);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function networkCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A request that never reached the apiserver becomes KUBE_UNREACHABLE naming the server, not a stack trace. */
async function guard<T>(server: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof MedallionError) throw e;
    const code = networkCode(e);
    if (code)
      throw new MedallionError('KUBE_UNREACHABLE', `cannot reach the cluster at ${server} (${code})`, {
        cause: e,
      });
    throw e;
  }
}

function guardClient(client: KubeClient, server: string): KubeClient {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(client) as [string, (...a: unknown[]) => Promise<unknown>][]) {
    wrapped[name] = (...args: unknown[]) =>
      guard(server, async () => {
        try {
          return await fn(...args);
        } catch (e) {
          // A list that 404s means the resource type itself is not served: the CRDs are not installed.
          const c = args[0] as Collection;
          if (
            name === 'list' &&
            e instanceof KubeError &&
            e.status === 404 &&
            c.apiVersion === GROUP_VERSION
          ) {
            throw crdsMissing(`${c.plural}.medallion.dev`);
          }
          throw e;
        }
      });
  }
  return wrapped as unknown as KubeClient;
}
