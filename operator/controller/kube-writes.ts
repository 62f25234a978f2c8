import { FIELD_MANAGER } from '../core/names.js';
import type { EventAction, Resource } from '../core/resources.js';
import { KubeError, type KubeClient } from '../kube/kube-client.js';

/**
 * The few writes the operator makes, each idempotent: creating an object that exists or deleting one that is gone
 * is success, which is what makes re-running a reconcile after a crash safe.
 */

const q = `fieldManager=${FIELD_MANAGER}`;

export function collectionPath(apiVersion: string, namespace: string, plural: string): string {
  const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${prefix}/namespaces/${namespace}/${plural}`;
}

function fail(what: string, res: { status: number; body: Record<string, unknown> }): never {
  throw new KubeError(res.status, `${what}: HTTP ${res.status} ${String(res.body.message ?? '')}`);
}

export async function createIfAbsent(client: KubeClient, path: string, body: { metadata: { name: string } }) {
  const res = await client.call('POST', `${path}?${q}`, body);
  if (res.status >= 300 && res.status !== 409) fail(`create ${path}/${body.metadata.name}`, res);
}

export async function deleteIfPresent(client: KubeClient, path: string) {
  // Background propagation: the Job's pods go too, without blocking on them.
  const res = await client.call('DELETE', `${path}?propagationPolicy=Background`);
  if (res.status >= 300 && res.status !== 404) fail(`delete ${path}`, res);
}

export async function mergePatch(client: KubeClient, path: string, patch: unknown) {
  const res = await client.call('PATCH', `${path}?${q}`, patch, 'application/merge-patch+json');
  if (res.status >= 300 && res.status !== 404) fail(`patch ${path}`, res);
}

/**
 * Replaces the status through the status subresource. The resourceVersion makes it optimistic: a 409 means our view
 * was stale, and the caller's work queue retries with a fresh one.
 */
export async function writeStatus(
  client: KubeClient,
  path: string,
  obj: Resource<unknown, unknown>,
  status: unknown,
) {
  const body = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata, spec: obj.spec, status };
  const res = await client.call('PUT', `${path}/${obj.metadata.name}/status?${q}`, body);
  if (res.status >= 300) fail(`update status of ${path}/${obj.metadata.name}`, res);
}

export async function recordEvent(
  client: KubeClient,
  obj: Resource<unknown, unknown>,
  e: EventAction,
  now: Date,
) {
  const ts = now.toISOString();
  await client.call('POST', `/api/v1/namespaces/${obj.metadata.namespace}/events`, {
    metadata: { generateName: `${obj.metadata.name}.` },
    involvedObject: {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
    },
    reason: e.reason,
    message: e.message,
    type: e.eventType,
    source: { component: FIELD_MANAGER },
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
  });
  // Events are best effort: a lost event must not fail the reconcile.
}
