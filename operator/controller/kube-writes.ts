import { FIELD_MANAGER } from '../core/names.js';
import type { EventAction, Resource } from '../core/resources.js';
import { isStatus, type Collection, type KubeClient } from '../kube/kube-client.js';

/**
 * The few writes the operator makes, each idempotent: creating an object that exists or deleting one that is gone
 * is success, which is what makes re-running a reconcile after a crash safe. The client adds the field manager.
 */

export function collection(apiVersion: string, namespace: string, plural: string): Collection {
  return { apiVersion, namespace, plural };
}

export async function createIfAbsent(
  client: KubeClient,
  c: Collection,
  body: { metadata: { name: string } },
) {
  try {
    await client.create(c, body);
  } catch (e) {
    if (!isStatus(e, 409)) throw e;
  }
}

export async function deleteIfPresent(client: KubeClient, c: Collection, name: string) {
  try {
    await client.delete(c, name);
  } catch (e) {
    if (!isStatus(e, 404)) throw e;
  }
}

export async function mergePatch(client: KubeClient, c: Collection, name: string, patch: object) {
  try {
    await client.mergePatch(c, name, patch);
  } catch (e) {
    if (!isStatus(e, 404)) throw e;
  }
}

/**
 * Replaces the status through the status subresource. The resourceVersion makes it optimistic: a 409 means our view
 * was stale, and the caller's work queue retries with a fresh one.
 */
export async function writeStatus(
  client: KubeClient,
  c: Collection,
  obj: Resource<unknown, unknown>,
  status: unknown,
) {
  const body = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata, spec: obj.spec, status };
  await client.replaceStatus(c, body);
}

export async function recordEvent(
  client: KubeClient,
  obj: Resource<unknown, unknown>,
  e: EventAction,
  now: Date,
) {
  const ts = now.toISOString();
  await client.create(collection('v1', obj.metadata.namespace, 'events'), {
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
  // Events are best effort: callers log a lost event instead of failing the reconcile.
}
