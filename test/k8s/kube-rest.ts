import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface KubeResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface KubeRest {
  server: string;
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeResponse>;
}

interface KubeconfigFile {
  clusters: { cluster: { server: string; 'certificate-authority': string } }[];
  users: { user: { token: string } }[];
}

/**
 * A minimal JSON client for the test control plane's REST API. Tests use it (and kubectl) instead of
 * @kubernetes/client-node so that they assert exactly what the apiserver answers, status codes and messages included.
 */
export function kubeRest(kubeconfigPath: string, token?: string): KubeRest {
  const kc = parse(readFileSync(kubeconfigPath, 'utf8')) as KubeconfigFile;
  const cluster = kc.clusters[0]?.cluster;
  if (!cluster) throw new Error(`${kubeconfigPath}: no cluster`);
  const ca = readFileSync(cluster['certificate-authority']);
  const bearer = token ?? kc.users[0]?.user.token ?? '';
  return {
    server: cluster.server,
    call(method, path, body, contentType = 'application/json') {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = request(
          `${cluster.server}${path}`,
          {
            method,
            ca,
            headers: {
              authorization: `Bearer ${bearer}`,
              accept: 'application/json',
              ...(payload === undefined
                ? {}
                : { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) }),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: Record<string, unknown>;
              try {
                parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
              } catch {
                parsed = { text };
              }
              resolve({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.on('error', reject);
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },
  };
}
