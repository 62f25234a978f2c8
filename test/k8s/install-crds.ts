import { renderCrds } from '../../operator/crd-gen/generate.js';
import type { KubeRest } from './kube-rest.js';

/** Server-side applies the generated CRDs and waits until each is Established and served. */
export async function installCrds(api: KubeRest): Promise<void> {
  for (const [, text] of renderCrds()) {
    const name = /\n {2}name: (\S+)/.exec(text)?.[1] ?? '';
    const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
    const res = await api.call(
      'PATCH',
      `${path}?fieldManager=medallion-test&force=true`,
      text,
      'application/apply-patch+yaml',
    );
    if (res.status >= 300) throw new Error(`apply ${name}: ${JSON.stringify(res.body)}`);
    for (let i = 0; ; i++) {
      const crd = await api.call('GET', path);
      const conds =
        (crd.body.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
      if (conds.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (i > 100) throw new Error(`${name} not established`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const plural = name.split('.')[0];
    // Discovery of a brand-new resource can lag its Established condition by a moment.
    for (let i = 0; (await api.call('GET', `/apis/medallion.dev/v1alpha1/${plural}`)).status !== 200; i++) {
      if (i > 50) throw new Error(`${plural} not served`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
