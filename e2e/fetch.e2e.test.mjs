// auth.fetch in a real Chromium against oidc-provider and the demo API: one refresh and one
// retry (same body) on invalid_token, never a loop; DPoP without server nonces (refresh, API
// nonce rotation); PAR required; no credential to a foreign origin or across a redirect in DPoP
// mode; a non-extractable DPoP key that the tokens are bound to; step-up and scope challenges
// reported as events without a refresh.
//
// Test-only hooks, from an init script (the SDK has no accessor for them): the demo's client is
// captured by wrapping `window.SpaAuthDemo.run`'s factory (`window.__auth`, events in
// `window.__events`), and the key pairs WebCrypto generates are kept in `window.__keyPairs`.
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startStack } from '../demo/stack.mjs';
import { launchBrowser, login, openContext } from './browser.mjs';
import { collectBrowserState, findLeaks, issuedSecrets } from './leaks.mjs';

const HOOKS = `(() => {
  let demo;
  Object.defineProperty(window, 'SpaAuthDemo', {
    configurable: true,
    get: () => demo,
    set: (v) => {
      demo = { ...v, run: (create, page) => v.run((options) => {
        const auth = create(options);
        window.__auth = auth;
        window.__events = [];
        for (const name of ['stepUpRequired', 'insufficientScope']) auth.on(name, (payload) => window.__events.push({ name, payload }));
        return auth;
      }, page) };
    },
  });
  if (typeof SubtleCrypto === 'undefined') return;
  const generateKey = SubtleCrypto.prototype.generateKey;
  SubtleCrypto.prototype.generateKey = async function (...args) {
    const result = await generateKey.apply(this, args);
    if (result && result.privateKey) (window.__keyPairs ||= []).push({ pair: result, extractableArg: args[1] });
    return result;
  };
})();`;

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const tokenHash = (t) => createHash('sha256').update(t).digest('base64url').slice(0, 16);
/** Deliberate 401 / 403 answers of the API (and nonce challenges) are logged by the browser. */
const expectedStatus = (apiUrl) => (c) => /status of (400|401|403)/.test(c.text) && Boolean(c.url?.startsWith(apiUrl));

let browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** A stack and one signed-in page on it, for a describe block. */
function useSignedInPage({ provider = {}, dpop = false, user, onPage }) {
  const ctx = {};
  beforeAll(async () => {
    ctx.stack = await startStack({ provider });
    const appOrigin = ctx.stack.pages.url;
    ctx.session = await openContext(browser, { appOrigin });
    await ctx.session.context.addInitScript(HOOKS);
    ctx.page = await ctx.session.newPage();
    onPage?.(ctx.page, ctx.stack);
    await ctx.page.goto(`${appOrigin}/?dpop=${dpop ? 1 : 0}`);
    await ctx.page.locator('#status[data-state="signed-out"]').waitFor();
    ctx.loginMark = ctx.stack.provider.requests.length;
    await ctx.page.click('#login');
    await login(ctx.page, { appOrigin, user });
    await ctx.page.locator('#status[data-state="signed-in"]').waitFor();
    await ctx.page.waitForFunction(() => window.__auth?.isAuthenticated === true);
  });
  afterAll(async () => {
    await ctx.session?.close();
    await ctx.stack?.stop();
  });
  return ctx;
}

/** Calls `auth.fetch` in the page. body: { json } or { form } (FormData, sent as a `Request`). */
function pageFetch(page, url, { method = 'GET', body } = {}) {
  return page.evaluate(
    async ({ url, method, body }) => {
      let res;
      if (body?.form) {
        const form = new FormData();
        for (const [k, v] of Object.entries(body.form)) form.append(k, v);
        form.append('file', new Blob([new Uint8Array(4096).map((_, i) => i % 251)]), 'data.bin');
        res = await window.__auth.fetch(new Request(url, { method, body: form }));
      } else {
        const init = { method };
        if (body?.json !== undefined)
          Object.assign(init, { body: JSON.stringify(body.json), headers: { 'content-type': 'application/json' } });
        res = await window.__auth.fetch(url, init);
      }
      const text = res.type === 'opaqueredirect' ? '' : await res.text();
      return { status: res.status, type: res.type, json: text ? JSON.parse(text) : undefined };
    },
    { url, method, body },
  );
}

const takeEvents = (page) => page.evaluate(() => window.__events.splice(0));

/** What happens at the API and the provider from now on. */
function since(stack) {
  const api = stack.api.requests.length;
  const provider = stack.provider.requests.length;
  return {
    api: (path) => stack.api.requests.slice(api).filter((r) => r.path === path && r.method !== 'OPTIONS'),
    refreshes: () =>
      stack.provider.requests.slice(provider).filter((r) => r.route === 'token' && r.grantType === 'refresh_token'),
  };
}
const outcome = (r) => `${r.status}${r.error ? ` ${r.error}` : ''}${r.forced ? ' forced' : ''}`;
const lastAccessTokenHash = (stack) => tokenHash(stack.provider.issued.at(-1).accessToken);

/** Clicks a demo button that shows an API answer; returns its status and what the API / provider saw. */
async function click({ stack, page }, button = '#call-api') {
  const s = since(stack);
  await page.click(button);
  await page.locator('#api-result[data-state="done"]').waitFor();
  return {
    status: await page.getAttribute('#api-result', 'data-status'),
    gets: s.api('/me'),
    refreshes: s.refreshes(),
  };
}

/** POSTs `body` to the API's /echo with auth.fetch in the page. */
async function postEcho({ stack, page }, body) {
  const s = since(stack);
  const res = await pageFetch(page, `${stack.api.url}/echo`, { method: 'POST', body });
  return { res, posts: s.api('/echo'), refreshes: s.refreshes() };
}

/** Both attempts carried the same bytes, and the final answer echoes their hash. */
function expectSameBody({ res, posts }, hash = posts[0].bodySha256) {
  expect(posts.map((r) => [r.bodySha256, r.bodyLength, r.contentType])).toEqual(
    posts.map(() => [hash, posts[0].bodyLength, posts[0].contentType]),
  );
  if (res.status === 200) expect(res.json.bodySha256).toBe(hash);
}

describe('Bearer mode', () => {
  const ctx = useSignedInPage({ user: 'fetch-bearer' });

  test('401 invalid_token: one refresh, one retry with the new token and the same body', async () => {
    const { stack } = ctx;
    const firstToken = lastAccessTokenHash(stack);
    stack.api.rejectNext(1, 'Bearer error="invalid_token"');
    const get = await click(ctx);
    expect(get.status).toBe('200');
    expect(get.gets.map(outcome)).toEqual(['401 forced', '200']);
    expect(get.refreshes.map((r) => r.status)).toEqual([200]);
    expect(get.gets.map((r) => r.tokenHash)).toEqual([firstToken, lastAccessTokenHash(stack)]);
    expect(lastAccessTokenHash(stack)).not.toBe(firstToken);

    // a JSON body (fetch(url, init)) is sent again byte for byte, with its content-type
    const json = { order: 42, items: ['a', 'b'], note: 'é ✓' };
    stack.api.rejectNext(1);
    const post = await postEcho(ctx, { json });
    expect(post.res.json).toMatchObject({ sub: 'fetch-bearer', tokenType: 'Bearer' });
    expect(post.posts.map(outcome)).toEqual(['401 forced', '200']);
    expectSameBody(post, sha256(JSON.stringify(json)));
    expect(post.posts[1].contentType).toBe('application/json');
    expect(post.refreshes.map((r) => r.status)).toEqual([200]);
    expect(post.posts[1].tokenHash).toBe(lastAccessTokenHash(stack));

    // a FormData body in a Request object: the same multipart bytes (same boundary) on the retry
    stack.api.rejectNext(1);
    const form = await postEcho(ctx, { form: { field: 'value' } });
    expect(form.posts.map(outcome)).toEqual(['401 forced', '200']);
    expect(form.posts[0].bodyLength).toBeGreaterThan(4096);
    expect(form.posts[0].contentType).toMatch(/^multipart\/form-data; boundary=/);
    expectSameBody(form);
    expect(form.refreshes).toHaveLength(1);
  });

  test('two rejections in a row: still one refresh and one retry, and the page gets the 401', async () => {
    const { stack } = ctx;
    stack.api.rejectNext(2);
    const get = await click(ctx);
    expect(get.status).toBe('401');
    expect(get.gets.map(outcome)).toEqual(['401 forced', '401 forced']);
    expect(get.refreshes.map((r) => r.status)).toEqual([200]);

    stack.api.rejectNext(2);
    const post = await postEcho(ctx, { json: { n: 1 } });
    expect(post.res).toMatchObject({ status: 401, json: { error: 'forced' } });
    expect(post.posts.map(outcome)).toEqual(['401 forced', '401 forced']);
    expectSameBody(post, sha256('{"n":1}'));
    expect(post.refreshes).toHaveLength(1);

    // nothing left over: the next call is a single request with the current token
    expect(await click(ctx)).toMatchObject({
      status: '200',
      gets: [{ status: 200, tokenHash: lastAccessTokenHash(stack) }],
      refreshes: [],
    });
  });

  test('step-up (401 insufficient_user_authentication) and 403 insufficient_scope: events, no refresh, no retry', async () => {
    const { stack, page } = ctx;
    await takeEvents(page);
    stack.api.rejectNext(1, 'Bearer error="insufficient_user_authentication", acr_values="urn:mfa", max_age="60"');
    const get = await click(ctx);
    expect(get.status).toBe('401');
    expect(get.gets.map(outcome)).toEqual(['401 forced']);
    expect(get.refreshes).toEqual([]);
    expect(await takeEvents(page)).toEqual([
      { name: 'stepUpRequired', payload: { url: `${stack.api.url}/me`, acrValues: 'urn:mfa', maxAge: 60 } },
    ]);
    expect(await page.locator('#log li[data-event="stepUpRequired"]').textContent()).toContain('urn:mfa');

    stack.api.rejectNext(1, 'Bearer error="insufficient_scope", scope="api admin"', 403);
    const post = await postEcho(ctx, { json: {} });
    expect(post.res.status).toBe(403);
    expect(post.posts.map(outcome)).toEqual(['403 forced']);
    expect(post.refreshes).toEqual([]);
    expect(await takeEvents(page)).toEqual([
      { name: 'insufficientScope', payload: { url: `${stack.api.url}/echo`, scope: 'api admin' } },
    ]);
    await page.locator('#log li[data-event="insufficientScope"]').waitFor();

    expect(findLeaks(await collectBrowserState(page), issuedSecrets(stack.provider))).toEqual([]);
    expect(ctx.session.appProblems({ allowConsole: expectedStatus(stack.api.url) })).toEqual({
      pageErrors: [],
      consoleErrors: [],
      cspViolations: [],
    });
  });
});

describe('DPoP mode, no server nonces', () => {
  const ctx = useSignedInPage({ provider: { dpop: true }, dpop: true, user: 'fetch-dpop' });
  const refreshNow = async (page) => {
    const s = since(ctx.stack);
    const before = await page.locator('#log li[data-event="tokenRefreshed"]').count();
    await page.click('#refresh');
    await page.waitForFunction(
      (n) => document.querySelectorAll('#log li[data-event="tokenRefreshed"]').length > n,
      before,
    );
    return s.refreshes();
  };
  const sent = (r) => `${r.authorizationScheme} ${r.dpop} ${outcome(r)}`;

  test('login, API call, forced refresh and an invalid_token retry, all DPoP-bound', async () => {
    const { stack, page } = ctx;
    const tokenCalls = stack.provider.requests.slice(ctx.loginMark).filter((r) => r.route === 'token');
    expect(tokenCalls.map((r) => `${r.grantType} ${r.status} ${r.dpop} ${r.tokenType}`)).toEqual([
      'authorization_code 200 true DPoP',
    ]);
    const first = await click(ctx);
    expect([first.status, ...first.gets.map(sent)]).toEqual(['200', 'DPoP true 200']);

    expect((await refreshNow(page)).map((r) => `${r.status} ${r.dpop} ${r.tokenType}`)).toEqual(['200 true DPoP']);
    expect(await click(ctx)).toMatchObject({
      status: '200',
      gets: [{ status: 200, tokenHash: lastAccessTokenHash(stack) }],
      refreshes: [],
    });

    stack.api.rejectNext(1, 'DPoP algs="ES256", error="invalid_token"');
    const post = await postEcho(ctx, { json: { dpop: true } });
    expect(post.res.json).toMatchObject({ tokenType: 'DPoP' });
    expect(post.posts.map(sent)).toEqual(['DPoP true 401 forced', 'DPoP true 200']);
    expectSameBody(post, sha256('{"dpop":true}'));
    expect(post.posts[1].tokenHash).toBe(lastAccessTokenHash(stack));
    expect(post.refreshes.map((r) => `${r.status} ${r.dpop}`)).toEqual(['200 true']);
  });

  test('API nonce rotation: one retry with the new nonce (same body), then the nonce is reused', async () => {
    const { stack, page } = ctx;
    try {
      stack.api.setRequireDpopNonce(true);
      expect(await click(ctx)).toMatchObject({
        status: '200',
        gets: [{ error: 'use_dpop_nonce' }, { status: 200 }],
        refreshes: [],
      });
      expect((await click(ctx)).gets.map(outcome)).toEqual(['200']);

      stack.api.setRequireDpopNonce(true); // a new nonce
      const post = await postEcho(ctx, { form: { rotated: 'yes' } });
      expect(post.res.status).toBe(200);
      expect(post.posts.map(outcome)).toEqual(['401 use_dpop_nonce', '200']);
      expectSameBody(post);
      expect(post.refreshes).toEqual([]);

      // a refresh keeps the key and the API's nonce: the next call needs no retry
      expect(await refreshNow(page)).toHaveLength(1);
      expect((await click(ctx)).gets.map(outcome)).toEqual(['200']);
    } finally {
      stack.api.setRequireDpopNonce(false);
    }
  });

  test('a foreign origin and a cross-origin redirect receive neither Authorization nor DPoP', async () => {
    const { stack, page } = ctx;
    const rec = stack.recorder.requests.length;
    await page.click('#call-foreign');
    await page.locator('#foreign-result[data-state="done"]').waitFor();
    expect(await page.getAttribute('#foreign-result', 'data-status')).toBe('200');
    const posted = await pageFetch(page, `${stack.recorder.url}/collect`, { method: 'POST', body: { json: { x: 1 } } });
    expect(posted.json).toMatchObject({ path: '/collect', receivedAuthorization: false, receivedDpop: false });

    const s = since(stack);
    await click(ctx, '#call-redirect');
    const redirected = await pageFetch(page, `${stack.api.url}/redirect-to-foreign`);
    const withProof = { method: 'GET', authorization: true, authorizationScheme: 'DPoP', dpop: true };
    expect(s.api('/redirect-to-foreign')).toMatchObject([withProof, withProof]);

    const seen = stack.recorder.requests.slice(rec);
    for (const r of seen) {
      expect('authorization' in r.headers, `${r.method} ${r.path} carried authorization`).toBe(false);
      expect('dpop' in r.headers, `${r.method} ${r.path} carried dpop`).toBe(false);
      expect(r.headers['access-control-request-headers'] ?? '', `${r.method} ${r.path} preflight`).not.toMatch(
        /authorization|dpop/i,
      );
    }
    // the token-bearing request did not follow the redirect at all (README, auth.fetch: the opaque-redirect response)
    expect(seen.filter((r) => r.method !== 'OPTIONS').map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /echo',
      'POST /collect',
    ]);
    expect(await page.textContent('#api-result')).toContain('opaqueredirect');
    expect(redirected).toMatchObject({ type: 'opaqueredirect', status: 0 });
  });

  test('the DPoP private key is non-extractable and is the key the access token is bound to', async () => {
    const { stack, page } = ctx;
    const keys = await page.evaluate(() =>
      Promise.all(
        (window.__keyPairs ?? []).map(async ({ pair, extractableArg }) => {
          const exported = (format) =>
            crypto.subtle.exportKey(format, pair.privateKey).then(
              () => 'exported',
              (err) => err.name,
            );
          const { extractable, algorithm, usages } = pair.privateKey;
          const publicJwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
          return {
            extractableArg,
            extractable,
            algorithm,
            usages,
            jwk: await exported('jwk'),
            pkcs8: await exported('pkcs8'),
            publicJwk,
          };
        }),
      ),
    );
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k).toMatchObject({
        extractableArg: false,
        extractable: false,
        algorithm: { name: 'ECDSA', namedCurve: 'P-256' },
        usages: ['sign'],
      });
      expect([k.jwk, k.pkcs8]).toEqual(['InvalidAccessError', 'InvalidAccessError']);
    }
    const { kty, crv, x, y } = keys.at(-1).publicJwk;
    const thumbprint = await calculateJwkThumbprint({ kty, crv, x, y });
    // every token of this session (code exchange and refreshes) is bound to that one key
    const tokens = stack.provider.issued.map((t) => decodeJwt(t.accessToken).cnf?.jkt);
    expect(tokens.length).toBeGreaterThan(1);
    expect(new Set(tokens)).toEqual(new Set([thumbprint]));

    expect(findLeaks(await collectBrowserState(page), issuedSecrets(stack.provider))).toEqual([]);
    expect(ctx.session.appProblems({ allowConsole: expectedStatus(stack.api.url) })).toEqual({
      pageErrors: [],
      consoleErrors: [],
      cspViolations: [],
    });
  });
});

describe('PAR required', () => {
  const navigations = [];
  const ctx = useSignedInPage({
    provider: { requirePar: true },
    user: 'fetch-par',
    onPage: (page) =>
      page.on(
        'request',
        (r) => r.isNavigationRequest() && navigations.push({ url: r.url(), top: r.frame() === page.mainFrame() }),
      ),
  });

  test('login works and the browser carries only client_id and request_uri to the authorization endpoint', async () => {
    const { stack } = ctx;
    const { authorization_endpoint: endpoint } = await (
      await fetch(`${stack.provider.issuer}/.well-known/openid-configuration`)
    ).json();
    const toAuthorize = navigations
      .map((n) => ({ ...n, url: new URL(n.url) }))
      .filter((n) => n.url.origin + n.url.pathname === endpoint);
    expect(toAuthorize.filter((n) => n.top)).toHaveLength(1); // the login
    expect(toAuthorize.filter((n) => !n.top).length).toBeGreaterThan(0); // the iframe's prompt=none, on load
    for (const { url } of toAuthorize) {
      expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
      expect(url.searchParams.get('client_id')).toBe('spa-demo');
      expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    }
    const uris = toAuthorize.map((n) => n.url.searchParams.get('request_uri'));
    expect(new Set(uris).size).toBe(uris.length);
    const flow = stack.provider.requests.slice(ctx.loginMark);
    expect(flow.filter((r) => r.route === 'pushed_authorization_request').map((r) => r.status)).toEqual([201]);
    expect(flow.filter((r) => r.route === 'token').map((r) => `${r.grantType} ${r.status}`)).toEqual([
      'authorization_code 200',
    ]);

    expect(await click(ctx)).toMatchObject({ status: '200', gets: [{ status: 200, authorizationScheme: 'Bearer' }] });
    expect(ctx.session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
  });
});
