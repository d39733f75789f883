// Browser helpers for the e2e tests: launch Chromium headless with the flags that work on
// these machines, keep every request on 127.0.0.1, and collect what must never happen
// (uncaught page errors, console errors, CSP violations) per browser context.
import { chromium } from 'playwright-core';
import { findBrowser } from './browser-path.mjs';

export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches the Chromium that e2e/ensure-browser.mjs found or installed.
 * @param {{ popupBlocker?: boolean }} [o] keep Chromium's popup blocker on (Playwright turns it
 *   off by default): `window.open` without a user gesture then returns null, as for users
 */
export async function launchBrowser({ popupBlocker = false } = {}) {
  const found = findBrowser();
  if (!found) throw new Error('No Chromium found: run `node e2e/ensure-browser.mjs` or set CHROMIUM_PATH');
  return chromium.launch({
    executablePath: found.path,
    headless: true,
    args: LAUNCH_ARGS,
    ...(popupBlocker && { ignoreDefaultArgs: ['--disable-popup-blocking'] }),
  });
}

const REPORT_SCRIPT = `(() => {
  if (typeof window.__e2eReport !== 'function') return;
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__e2eReport('csp', {
      directive: e.effectiveDirective,
      blockedURI: e.blockedURI,
      documentURI: e.documentURI,
      sourceFile: e.sourceFile,
      line: e.lineNumber,
      sample: e.sample,
    });
  });
})();`;

/**
 * A fresh browser context (its own cookies and storage) that records problems.
 * @param {import('playwright-core').Browser} browser
 * @param {{ appOrigin: string }} o the demo pages' origin: problems are attributed to it
 */
export async function openContext(browser, { appOrigin }) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const problems = { pageErrors: [], consoleErrors: [], cspViolations: [] };
  // The provider's built-in pages import web fonts: nothing may leave 127.0.0.1.
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort('blockedbyclient'),
  );
  await context.exposeBinding('__e2eReport', ({ frame }, kind, detail) => {
    if (kind === 'csp') problems.cspViolations.push({ ...detail, frameUrl: frame?.url() });
  });
  await context.addInitScript(REPORT_SCRIPT);
  const watch = (page) => {
    page.on('pageerror', (err) =>
      problems.pageErrors.push({ pageUrl: page.url(), message: String(err?.message ?? err), stack: err?.stack }),
    );
    page.on('console', (msg) => {
      if (msg.type() === 'error')
        problems.consoleErrors.push({ pageUrl: page.url(), text: msg.text(), url: msg.location()?.url });
    });
  };
  context.on('page', watch);
  const onApp = (u) => typeof u === 'string' && u.startsWith(appOrigin);
  return {
    context,
    problems,
    newPage: () => context.newPage(),
    /**
     * The problems seen on the app's origin (the provider's own pages are not ours).
     * @param {{ allowConsole?: (entry: { text: string, url?: string }) => boolean }} [o] console
     *   errors that the test expects (e.g. a deliberate 401)
     */
    appProblems({ allowConsole } = {}) {
      return {
        pageErrors: problems.pageErrors.filter((p) => onApp(p.pageUrl)),
        consoleErrors: problems.consoleErrors.filter((c) => onApp(c.pageUrl) && !allowConsole?.(c)),
        cspViolations: problems.cspViolations.filter((v) => onApp(v.documentURI) || onApp(v.frameUrl)),
      };
    },
    close: () => context.close(),
  };
}

/**
 * Completes the provider's login form (and the consent page when it comes) and waits until
 * the browser is back on the app. Call it once the page is on (or heading to) the provider.
 * @param {import('playwright-core').Page} page
 * @param {{ appOrigin: string, user?: string, password?: string, timeout?: number }} o
 * @returns {Promise<{ consented: boolean }>}
 */
export async function login(page, { appOrigin, user = 'alice', password = 'secret', timeout = 20_000 }) {
  await page.locator('input[name="login"]').waitFor({ timeout });
  await page.fill('input[name="login"]', user);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForNavigation({ timeout }), page.click('button[type="submit"]')]);
  let consented = false;
  const deadline = Date.now() + timeout;
  while (!page.url().startsWith(appOrigin)) {
    if (Date.now() > deadline) throw new Error(`login did not return to the app; stuck on ${page.url()}`);
    const consent = page.locator('input[name="prompt"][value="consent"]');
    if (await consent.count()) {
      consented = true;
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(appOrigin), { timeout }),
        page.click('button[type="submit"]'),
      ]);
    } else {
      await page.waitForTimeout(50);
    }
  }
  return { consented };
}

/**
 * Confirms the provider's logout page ("Yes, sign me out") and waits for the app again.
 * @param {import('playwright-core').Page} page
 * @param {{ appOrigin: string, timeout?: number }} o
 */
export async function confirmLogout(page, { appOrigin, timeout = 20_000 }) {
  const yes = page.locator('button[name="logout"][value="yes"]');
  await yes.waitFor({ timeout });
  await Promise.all([page.waitForURL((u) => u.href.startsWith(appOrigin), { timeout }), yes.click()]);
}
