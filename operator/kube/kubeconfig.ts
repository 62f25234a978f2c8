import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';

/** Everything needed to reach an apiserver: from a kubeconfig file (current context) or the in-cluster account. */
export interface KubeConnection {
  server: string;
  ca?: Buffer;
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  namespace?: string;
}

interface Named {
  name: string;
  [k: string]: unknown;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function pick<T>(list: Named[] | undefined, name: string | undefined, field: string): T | undefined {
  return (list?.find((x) => x.name === name) as Record<string, T> | undefined)?.[field];
}

/** Reads a *-data (base64) field or the file its sibling names, relative to the kubeconfig's directory. */
function material(
  section: Record<string, string> | undefined,
  key: string,
  base: string,
): Buffer | undefined {
  if (!section) return undefined;
  const data = section[`${key}-data`];
  if (data) return Buffer.from(data, 'base64');
  const file = section[key];
  if (!file) return undefined;
  return readFileSync(isAbsolute(file) ? file : resolve(base, file));
}

export function loadKubeconfig(path: string, context?: string): KubeConnection {
  const doc = parse(readFileSync(path, 'utf8')) as {
    'current-context'?: string;
    contexts?: Named[];
    clusters?: Named[];
    users?: Named[];
  };
  const base = dirname(path);
  const ctx = pick<{ cluster: string; user: string; namespace?: string }>(
    doc.contexts,
    context ?? doc['current-context'],
    'context',
  );
  if (!ctx) throw new Error(`${path}: context ${context ?? doc['current-context']} not found`);
  const cluster = pick<Record<string, string>>(doc.clusters, ctx.cluster, 'cluster');
  const user = pick<Record<string, string>>(doc.users, ctx.user, 'user') ?? {};
  if (!cluster?.server) throw new Error(`${path}: cluster ${ctx.cluster} has no server`);
  return {
    server: cluster.server.replace(/\/$/, ''),
    ca: material(cluster, 'certificate-authority', base),
    token:
      user.token ?? (user.tokenFile ? readFileSync(resolve(base, user.tokenFile), 'utf8').trim() : undefined),
    cert: material(user, 'client-certificate', base),
    key: material(user, 'client-key', base),
    namespace: ctx.namespace,
  };
}

/** The pod's service account, as every in-cluster client finds it. */
export function inClusterConnection(env: { host?: string; port?: string }): KubeConnection | undefined {
  if (!env.host || !existsSync(`${SA_DIR}/token`)) return undefined;
  return {
    server: `https://${env.host.includes(':') ? `[${env.host}]` : env.host}:${env.port ?? '443'}`,
    ca: readFileSync(`${SA_DIR}/ca.crt`),
    token: readFileSync(`${SA_DIR}/token`, 'utf8').trim(),
    namespace: readFileSync(`${SA_DIR}/namespace`, 'utf8').trim(),
  };
}
