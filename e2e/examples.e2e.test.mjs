// The React and Vue example apps (examples/), built with the repository's Vite and driven in
// Chromium against the demo provider and API: sign in, show the user, call the API through
// auth.fetch, survive a reload while another tab is open, sign out. React runs in StrictMode,
// in a development build, where every effect runs twice: init() must still be one exchange.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { CLIENT_ID } from '../demo/provider.mjs';
import { startStack } from '../demo/stack.mjs';
import { confirmLogout, launchBrowser, login, openContext } from './browser.mjs';
import { serveExample } from './examples.mjs';
import { collectBrowserState, findLeaks, issuedSecrets } from './leaks.mjs';

let stack;
let browser;
let session;
const apps = {};

beforeAll(async () => {
  const served = await Promise.all([serveExample('react'), serveExample('vue')]);
  for (const app of served) apps[app.name] = app;
  [stack, browser] = await Promise.all([startStack({ appOrigins: served.map((a) => a.url) }), launchBrowser()]);
  const env = { issuer: stack.provider.issuer, clientId: CLIENT_ID, apiUrl: stack.api.url };
  // StrictMode double-invokes effects only in React's development build.
  await apps.react.build(env, {
    mode: 'development',
    define: { 'process.env.NODE_ENV': JSON.stringify('development') },
  });
  await apps.vue.build(env);
}, 180_000);
afterAll(async () => {
  await Promise.all([browser?.close(), stack?.stop(), ...Object.values(apps).map((a) => a.stop())]);
});
afterEach(async () => {
  await session?.close();
  session = undefined;
});

const exchanges = () =>
  stack.provider.requests.filter((r) => r.route === 'token' && r.grantType === 'authorization_code').length;
const status = (page) => page.locator('#status:not([data-state="loading"])');

async function signedOutPage(origin) {
  session = await openContext(browser, { appOrigin: origin });
  const page = await session.newPage();
  const info = [];
  page.on('console', (msg) => info.push(msg.text()));
  await page.goto(origin + '/');
  await status(page).waitFor();
  expect(await page.getAttribute('#status', 'data-state')).toBe('signed-out');
  return { page, info };
}

async function signIn(page, origin, user) {
  const before = exchanges();
  await page.click('#login');
  await login(page, { appOrigin: origin, user });
  await page.locator('#status[data-state="signed-in"]').waitFor();
  expect(exchanges() - before).toBe(1);
}

describe.each(['react', 'vue'])('the %s example', (name) => {
  const origin = () => apps[name].url;

  test('signs in, shows the user, and calls the API through auth.fetch', async () => {
    const { page, info } = await signedOutPage(origin());
    await signIn(page, origin(), `${name}-ann`);
    expect(await page.getAttribute('#user', 'data-sub')).toBe(`${name}-ann`);
    expect(await page.textContent('#user')).toBe(name === 'react' ? 'React-ann' : 'Vue-ann');
    if (name === 'react') {
      await page.goto(origin() + '/account');
      await page.locator('#status[data-state="signed-in"]').waitFor();
      // the development build (StrictMode active) announced itself
      expect(info.some((t) => t.includes('React DevTools'))).toBe(true);
    }
    const calls = stack.api.requests.length;
    await page.click('#call-api');
    await page.locator('#api-result[data-state="done"]').waitFor();
    expect(await page.getAttribute('#api-result', 'data-status')).toBe('200');
    expect(await page.getAttribute('#api-result', 'data-sub')).toBe(`${name}-ann`);
    expect(stack.api.requests.slice(calls).some((r) => r.authorization)).toBe(true);
    expect(findLeaks(await collectBrowserState(page), issuedSecrets(stack.provider))).toEqual([]);
    expect(session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
  });

  test('stays signed in across a reload while another tab is open, then signs out of both', async () => {
    const { page: a } = await signedOutPage(origin());
    await signIn(a, origin(), `${name}-ben`);
    const mark = stack.provider.requests.length;
    const b = await session.newPage();
    await b.goto(origin() + '/');
    await b.locator('#status[data-state="signed-in"]').waitFor();
    await a.reload();
    await a.locator('#status[data-state="signed-in"]').waitFor();
    expect(await a.getAttribute('#user', 'data-sub')).toBe(`${name}-ben`);
    // both came from the other tab: not one request to the provider
    expect(stack.provider.requests.slice(mark).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    await a.click('#logout');
    await confirmLogout(a, { appOrigin: origin() });
    await status(a).waitFor();
    expect(await a.getAttribute('#status', 'data-state')).toBe('signed-out');
    await b.locator('#status[data-state="signed-out"]').waitFor();
    expect(session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
  });
});

test('the React example’s protected route sends a signed-out user to login and back to it', async () => {
  const origin = apps.react.url;
  session = await openContext(browser, { appOrigin: origin });
  const page = await session.newPage();
  await page.goto(origin + '/account');
  await login(page, { appOrigin: origin, user: 'cleo' });
  await page.locator('#call-api').waitFor();
  expect(new URL(page.url()).pathname).toBe('/account');
  expect(await page.getAttribute('#user', 'data-sub')).toBe('cleo');
  expect(session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
});
