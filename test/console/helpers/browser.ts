import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Real Chromium (Debian's /usr/bin/chromium) with a fresh profile; every request that is not loopback is refused. */
export interface ConsoleBrowser {
  context: BrowserContext;
  /** Requests to anything but 127.0.0.1 / localhost, which were aborted. Must stay empty. */
  outside: string[];
  /** Uncaught page errors and Content-Security-Policy violations. Must stay empty. */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

const LOOPBACK = /^(https?|wss?):\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//;

export async function openBrowser(
  options: { extraHTTPHeaders?: Record<string, string> } = {},
): Promise<ConsoleBrowser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-console-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    ...(options.extraHTTPHeaders ? { extraHTTPHeaders: options.extraHTTPHeaders } : {}),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const outside: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (LOOPBACK.test(url) || url.startsWith('data:')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  return {
    context,
    outside,
    errors,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
          errors.push(m.text());
      });
      return page;
    },
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core from node_modules, evaluated in the page (CDP evaluation is not subject to the page's CSP). */
export async function axeViolations(
  page: Page,
): Promise<{ id: string; impact: string; nodes: number; help: string }[]> {
  await page.evaluate(`${axeSource}\n;undefined`);
  return page.evaluate(`(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  })()`);
}

/** Waits for the console to finish rendering the current route. */
export async function rendered(page: Page, heading: string | RegExp): Promise<void> {
  // Locators, not waitForFunction: the console's CSP (no 'unsafe-eval') refuses string predicates.
  await page.locator('#main[data-rendered]:not([aria-busy])').waitFor({ timeout: 30_000 });
  await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 30_000 });
}

/**
 * First render of a console route in a fresh tab, in milliseconds from navigation start to the page's content being
 * in the document (the console stamps main[data-rendered] with Date.now() once the route's data is drawn).
 */
export async function firstRenderMs(
  browser: ConsoleBrowser,
  url: string,
  heading: string | RegExp,
): Promise<number> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await rendered(page, heading);
    return Number(
      await page.evaluate(
        'Number(document.getElementById("main").dataset.rendered) - performance.timeOrigin',
      ),
    );
  } finally {
    await page.close();
  }
}
