/** The console's only network access: same-origin /api/v1 calls with the viewer's credentials. */
const KEY = 'medallion.console.credential';

export class Unauthenticated extends Error {}

export const credential = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (value: string) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

/** API keys look like mdk_<id>_<secret>; anything else is sent as a bearer token. */
const headers = (): Record<string, string> => {
  const c = credential.get();
  if (!c) return {}; // behind an authenticating proxy, the proxy adds Authorization itself
  return c.startsWith('mdk_') ? { 'x-api-key': c } : { authorization: `Bearer ${c}` };
};

export interface Envelope<T> {
  status: 'ok' | 'error';
  data: T;
  error?: { code: string; message: string; hint?: string };
}

export async function get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
  const qs = new URLSearchParams(
    Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  ).toString();
  const res = await fetch(`/api/v1/${path}${qs ? `?${qs}` : ''}`, {
    headers: headers(),
    credentials: 'same-origin',
  });
  if (res.status === 401) throw new Unauthenticated();
  const body = (await res.json()) as Envelope<T>;
  if (body.status !== 'ok') {
    throw new Error(`${body.error?.code ?? res.status}: ${body.error?.message ?? res.statusText}`);
  }
  return body.data;
}
