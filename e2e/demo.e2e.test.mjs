// The demo as a developer meets it: another app using the demo provider and API, a port that is
// already taken, the error banner, a second tab after logout, and the API answer's `exp`.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DemoOptionError, parseApps, resolvePorts } from '../demo/options.mjs';
import { startPages } from '../demo/pages.mjs';
import { CLIENT_ID } from '../demo/provider.mjs';
import { startStack } from '../demo/stack.mjs';
import { confirmLogout, launchBrowser, login, openContext } from './browser.mjs';
import { callApi, openTabs } from './lifecycle-helpers.mjs';

const START = fileURLToPath(new URL('../demo/start.mjs', import.meta.url));

/** Holds a loopback port (as Vite would hold 5173) until `close()`. */
const occupy = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () =>
      resolve({ port: server.address().port, close: () => new Promise((r) => server.close(r)) }),
    );
  });

/** Runs demo/start.mjs until it exits; returns its exit code and output. */
const runDemo = (args, env) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [START, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

/** stderr without oidc-provider's own start-up warnings (Node version, devInteractions). */
const ownLines = (stderr) => stderr.split('\n').filter((l) => l && !l.startsWith('oidc-provider WARNING'));

describe('command line and ports', () => {
  test('--app, --redirect-uri and DEMO_APP_ORIGINS / DEMO_REDIRECT_URIS add apps; a bad value is one line naming it', () => {
    expect(
      parseApps(['--app', 'http://localhost:5173', '--redirect-uri=http://127.0.0.1:4000/auth/cb'], {
        DEMO_APP_ORIGINS: 'http://localhost:3000, https://app.test',
      }),
    ).toEqual({
      appOrigins: ['http://localhost:3000', 'https://app.test', 'http://localhost:5173', 'http://127.0.0.1:4000'],
      redirectUris: ['http://127.0.0.1:4000/auth/cb'],
    });
    expect(parseApps([], {})).toEqual({ appOrigins: [], redirectUris: [] });
    for (const [argv, env, named] of [
      [['--app', 'http://localhost:5173/callback'], {}, '--app'],
      [['--app'], {}, '--app'],
      [['--port', '1'], {}, '--port'],
      [[], { DEMO_APP_ORIGINS: 'localhost:5173' }, 'DEMO_APP_ORIGINS'],
      [[], { DEMO_REDIRECT_URIS: 'javascript:alert(1)' }, 'DEMO_REDIRECT_URIS'],
    ]) {
      let error;
      try {
        parseApps(argv, env);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DemoOptionError);
      expect(error.message).toContain(named);
      expect(error.message).not.toContain('\n');
    }
  });

  test('a default port that is taken is replaced by a free one, with a note naming the variable', async () => {
    const held = await occupy();
    try {
      const { ports, notes } = await resolvePorts({}, { PAGES_PORT: held.port });
      expect(ports).toEqual({ PAGES_PORT: 0 });
      expect(notes).toEqual([
        `port ${held.port} is in use, so PAGES_PORT takes a free port (set PAGES_PORT to choose one)`,
      ]);
    } finally {
      await held.close();
    }
    // once free, the default is used as it is
    expect(await resolvePorts({}, { PAGES_PORT: held.port })).toEqual({ ports: { PAGES_PORT: held.port }, notes: [] });
  });

  test('npm run demo with PAGES_PORT set to a taken port stops with one line naming PAGES_PORT, no stack trace', async () => {
    const held = await occupy();
    try {
      const run = await runDemo([], {
        PAGES_PORT: String(held.port),
        PROVIDER_PORT: '0',
        API_PORT: '0',
        RECORDER_PORT: '0',
      });
      expect(run.code).toBe(1);
      expect(ownLines(run.stderr)).toEqual([
        `npm run demo: port ${held.port} (PAGES_PORT) is already in use: set PAGES_PORT to a free port, or to 0 for any free port`,
      ]);
      expect(run.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      await held.close();
    }
  });

  test('npm run demo with a bad --app stops with one line', async () => {
    const run = await runDemo(['--app', 'http://localhost:5173/callback'], {
      PAGES_PORT: '0',
      PROVIDER_PORT: '0',
      API_PORT: '0',
      RECORDER_PORT: '0',
    });
    expect(run.code).toBe(1);
    expect(ownLines(run.stderr)).toHaveLength(1);
    expect(ownLines(run.stderr)[0]).toMatch(/^npm run demo: --app: .* is not an origin/);
  });
});

describe('in the browser', () => {
  let stack;
  let other; // "another app": a second copy of the demo pages on an origin of its own
  let browser;
  let session;

  beforeAll(async () => {
    other = await startPages({ port: 0 });
    [stack, browser] = await Promise.all([startStack({ appOrigins: [other.url] }), launchBrowser()]);
    other.configure({ providerIssuer: stack.provider.issuer, apiUrl: stack.api.url, foreignUrl: stack.recorder.url });
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), stack?.stop(), other?.stop()]);
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  /** An authorization request as the app at `origin` would send it; the provider's answer. */
  const authorize = (origin) => {
    const url = new URL(`${stack.provider.issuer}/auth`);
    for (const [k, v] of Object.entries({
      client_id: CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${origin}/`,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 's',
      nonce: 'n',
    })) {
      url.searchParams.set(k, v);
    }
    return fetch(url, { redirect: 'manual' });
  };

  test('an app origin given to the stack signs in against the demo provider and calls the demo API', async () => {
    const held = await occupy(); // an origin nobody registered, as a control
    try {
      const unknown = await authorize(`http://127.0.0.1:${held.port}`);
      expect(unknown.status).toBe(400);
      expect(await unknown.text()).toMatch(/redirect_uri/);
    } finally {
      await held.close();
    }
    const known = await authorize(other.url);
    expect(known.status).toBe(303);
    expect(known.headers.get('location')).toMatch(/\/interaction\//);

    session = await openContext(browser, { appOrigin: other.url });
    const page = await session.newPage();
    await page.goto(`${other.url}/`);
    await page.locator('#status[data-state="signed-out"]').waitFor();
    await page.click('#login');
    await login(page, { appOrigin: other.url, user: 'carol' });
    await page.locator('#status[data-state="signed-in"]').waitFor();
    const api = await callApi(page); // the API answers CORS for the added origin
    expect(api.status).toBe('200');
    expect(api.body.sub).toBe('carol');
    expect(session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
  });

  test("the API's exp is shown as a time of day; the foreign-origin and 302 buttons say what they prove", async () => {
    session = await openContext(browser, { appOrigin: stack.pages.url });
    const [page] = await openTabs(session, stack, ['/'], 'dave');
    const api = await callApi(page);
    expect(api.status).toBe('200');
    const firstLine = api.text.split('\n')[0];
    const expected = await page.evaluate((exp) => new Date(exp * 1000).toLocaleTimeString(), api.body.exp);
    expect(firstLine).toContain(`token expires at ${expected} (exp ${api.body.exp}`);
    expect(await page.locator('#expires-at').textContent()).toMatch(/^ \(at \d{1,2}:\d{2}:\d{2}/);
    for (const path of ['/', '/static.html']) {
      await page.goto(stack.pages.url + path);
      // as a reader sees it: the markup's line breaks and indentation are one space
      const hint = async (id) => (await page.locator(id).textContent()).replace(/\s+/g, ' ');
      expect(await hint('#hint-foreign')).toMatch(/not in apiOrigins.*"receivedAuthorization": false/);
      expect(await hint('#hint-redirect')).toMatch(/never follows a redirect.*opaqueredirect/);
    }
  });

  test('a failure shows a banner with the code, the message and what to do', async () => {
    session = await openContext(browser, { appOrigin: stack.pages.url });
    const page = await session.newPage();
    // a sign-in answer this tab never asked for (a bookmark, a replayed link)
    await page.goto(`${stack.pages.url}/?code=stale-code&state=unknown-state`);
    const banner = page.locator('#error-banner');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.getAttribute('data-code')).toBe('invalid_state');
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.locator('.code').textContent()).toBe('invalid_state');
    expect((await banner.locator('.message').textContent()).length).toBeGreaterThan(10);
    expect(await banner.locator('.fix').textContent()).toMatch(/^What to do: .*Log in/);
    await banner.locator('.dismiss').click();
    await banner.waitFor({ state: 'hidden' });
  });

  test('after a logout in one tab, the other tab no longer shows the last API answer', async () => {
    session = await openContext(browser, { appOrigin: stack.pages.url });
    const [a, b] = await openTabs(session, stack, ['/', '/'], 'erin');
    expect((await callApi(b)).status).toBe('200');
    await a.click('#logout');
    await confirmLogout(a, { appOrigin: stack.pages.url });
    await b.locator('#status[data-state="signed-out"]').waitFor();
    expect(await b.locator('#api-result').textContent()).toBe('—');
    expect(await b.locator('#api-result').getAttribute('data-state')).toBeNull();
  });
});
