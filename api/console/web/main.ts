import { credential, get, Unauthenticated } from './api.js';
import { h } from './dom.js';
import { kpisPage, type KpiQuery } from './page-kpis.js';
import { pipelinesPage } from './page-pipelines.js';
import { productsPage, type ProductQuery } from './page-products.js';
import { runPage } from './page-run.js';

/** Hash routes (#/pipelines, #/runs/<id>, #/kpis?from=…, #/products?q=…): the server serves one page. */
const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const who = document.getElementById('who')!;
const signOut = document.getElementById('sign-out')!;

const parse = () => {
  const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?');
  return { path: path || '/pipelines', params: new URLSearchParams(query) };
};
const go = (path: string, params: Record<string, string | undefined>) => {
  const qs = new URLSearchParams(
    Object.entries(params).filter((e): e is [string, string] => !!e[1]),
  ).toString();
  location.hash = `#${path}${qs ? `?${qs}` : ''}`;
};

function loginPage(message?: string): HTMLElement {
  nav.hidden = true;
  signOut.hidden = true;
  who.textContent = '';
  const form = h(
    'form',
    { id: 'login', class: 'login', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title' }, 'Sign in to Medallion'),
    h(
      'p',
      {},
      'Paste a viewer token (medallion token create --role viewer) or an API key (mdk_…). It is kept in this tab only.',
    ),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    h('label', { for: 'credential' }, 'Token or API key'),
    h('input', {
      id: 'credential',
      name: 'credential',
      type: 'password',
      autocomplete: 'off',
      required: true,
    }),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    credential.set(String(new FormData(form).get('credential') ?? '').trim());
    void render();
  });
  return form;
}

async function loadPage(path: string, params: URLSearchParams): Promise<HTMLElement> {
  if (path.startsWith('/runs/')) return runPage(decodeURIComponent(path.slice('/runs/'.length)));
  else if (path === '/kpis') {
    const q: KpiQuery = {
      from: params.get('from') ?? undefined,
      to: params.get('to') ?? undefined,
      currency: (params.get('currency') as KpiQuery['currency']) ?? 'GBP',
    };
    return kpisPage(q, (n) => go('/kpis', { from: n.from, to: n.to, currency: n.currency }));
  } else if (path === '/products') {
    const q: ProductQuery = {
      q: params.get('q') ?? '',
      category: params.get('category') ?? undefined,
      country: params.get('country') ?? undefined,
      min_price: params.get('min_price') ?? undefined,
      max_price: params.get('max_price') ?? undefined,
    };
    return productsPage(q, (n) => go('/products', { ...n }));
  } else return pipelinesPage();
}

let generation = 0;

async function render(): Promise<void> {
  // A render that finishes after a newer one started (a slow search, then a click elsewhere) is dropped.
  const mine = ++generation;
  const { path, params } = parse();
  main.setAttribute('aria-busy', 'true');
  try {
    // The session and the page's data are asked for at once (one round trip, not two): without valid credentials
    // both answer 401 and the sign-in page shows; behind a proxy both carry its Authorization header.
    const sessionCall = get<{ subject: string; role: string; mode: string }>('console/session');
    sessionCall.catch(() => undefined);
    const page = await loadPage(path, params);
    const session = await sessionCall;
    if (mine !== generation) return;
    nav.hidden = false;
    // Behind an authenticating proxy there is nothing to sign out of here.
    signOut.hidden = credential.get() === null;
    who.textContent = `${session.subject} (${session.role}, ${session.mode} mode)`;
    for (const a of nav.querySelectorAll('a')) {
      if (path.startsWith(a.getAttribute('href')!.slice(1))) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    main.replaceChildren(page);
    document.title = `${page.querySelector('h1')?.textContent ?? 'Console'} · Medallion`;
  } catch (e) {
    if (mine !== generation) return;
    if (e instanceof Unauthenticated) {
      const had = credential.get() !== null;
      credential.clear();
      main.replaceChildren(loginPage(had ? 'Those credentials were refused.' : undefined));
      document.title = 'Sign in · Medallion';
    } else {
      main.replaceChildren(
        h(
          'section',
          {},
          h('h1', { id: 'page-title' }, 'Something went wrong'),
          h('p', { class: 'error', role: 'alert' }, String((e as Error).message)),
        ),
      );
    }
  } finally {
    if (mine === generation) settle();
  }
}

function settle(): void {
  main.removeAttribute('aria-busy');
  main.dataset.rendered = String(Date.now());
  // Move focus to the new page's heading, so keyboard and screen-reader users land on the content.
  const heading = main.querySelector<HTMLElement>('h1');
  if (heading && !main.querySelector('#credential')) {
    heading.tabIndex = -1;
    heading.focus();
  } else main.querySelector<HTMLElement>('#credential')?.focus();
}

signOut.addEventListener('click', () => {
  credential.clear();
  void render();
});
window.addEventListener('hashchange', () => void render());
void render();
