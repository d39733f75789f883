import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthClientOptions } from '../src/index.js';
import { APP, captureNavigation, landOn, persistedState, resetPage, transactionKeys } from './helpers/browser.js';
import { createFakeServer, type FakeServer } from './helpers/fake-server.js';
import { expectCode, expectStale, useFlow } from './helpers/flow.js';

const flow = useFlow();
let server: FakeServer;
beforeEach(() => (server = flow.server));
const client = (extra: Partial<AuthClientOptions> = {}) => flow.client(extra);
const loginFlow = (extra: Partial<AuthClientOptions> = {}, cb: Record<string, string> = {}) => flow.login(extra, cb);

describe('login and callback', () => {
  it('completes Authorization Code + PKCE and exposes the user', async () => {
    const { next, authorizeUrl, result } = await loginFlow();
    const p = authorizeUrl.searchParams;
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${server.issuer}/authorize`);
    expect(p.get('response_type')).toBe('code');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(p.get('state')).toMatch(/^[\w-]{43,}$/);
    expect(p.get('nonce')).toMatch(/^[\w-]{43,}$/);
    expect(p.get('scope')?.split(' ')).toContain('openid');
    expect(p.get('redirect_uri')).toBe(`${APP}/callback`);
    await expect(result).resolves.toEqual({ authenticated: true, returnTo: '/dashboard?tab=1' });
    expect(next.isAuthenticated).toBe(true);
    expect(next.user?.sub).toBe('alice');
    expect(next.expiresAt).toBeGreaterThan(Date.now());
    await expect(next.getAccessToken()).resolves.toBe(server.issued.accessTokens[0]);
    // the token request carried the verifier whose challenge was sent, and the exact redirect_uri
    const token = server.tokenRequests()[0];
    expect(token?.form.get('grant_type')).toBe('authorization_code');
    expect(token?.form.get('client_id')).toBe('spa');
    expect(token?.form.get('client_secret')).toBeNull();
  });

  it('removes the OAuth parameters from the address bar and stores no token anywhere', async () => {
    const { result } = await loginFlow();
    await result;
    expect(window.location.href).toBe(`${APP}/callback`);
    const persisted = persistedState();
    for (const t of [...server.issued.accessTokens, ...server.issued.refreshTokens, ...server.issued.idTokens]) {
      expect(persisted).not.toContain(t);
    }
    expect(transactionKeys()).toEqual([]); // the transaction is consumed
  });

  it('calls init() once per page: a second call returns the same promise', async () => {
    const { next, result } = await loginFlow();
    expect(next.init()).toBe(result);
    await result;
    expect(server.tokenRequests()).toHaveLength(1);
  });

  it('needs no discovery round trip on the callback page', async () => {
    const { result } = await loginFlow();
    const before = server.requests.length;
    await result;
    const paths = server.requests.slice(before).map((r) => r.url.pathname);
    expect(paths).not.toContain('/.well-known/openid-configuration');
    expect(paths).toContain('/token');
  });

  it('sends prompt, login_hint, acr_values, max_age and extra parameters, but never lets them override protocol ones', async () => {
    const nav = captureNavigation();
    // acr_values and max_age are checked afterwards: only acrValues and maxAge may set them
    await client().login({
      prompt: 'login',
      loginHint: 'a@b.c',
      acrValues: 'urn:mfa',
      maxAge: 0,
      extraParams: {
        ui_locales: 'de',
        state: 'evil',
        code_challenge_method: 'plain',
        acr_values: 'urn:none',
        max_age: '99999',
      },
    });
    const p = new URL(nav.last() ?? '').searchParams;
    expect(p.get('prompt')).toBe('login');
    expect(p.get('login_hint')).toBe('a@b.c');
    expect(p.getAll('acr_values')).toEqual(['urn:mfa']);
    expect(p.getAll('max_age')).toEqual(['0']);
    // nor alone: an acr or max_age that nothing would check afterwards is not sent
    await client().login({ extraParams: { acr_values: 'urn:hwk', max_age: '60' } });
    const q = new URL(nav.last() ?? '').searchParams;
    expect([q.get('acr_values'), q.get('max_age')]).toEqual([null, null]);
    expect(p.get('ui_locales')).toBe('de');
    expect(p.get('state')).not.toBe('evil');
    expect(p.getAll('code_challenge_method')).toEqual(['S256']);
  });

  it("sends the client's extraParams with every login; a login's own add to them and win", async () => {
    const nav = captureNavigation();
    const auth = client({
      extraParams: {
        audience: 'https://api.example.com',
        ui_locales: 'en',
        state: 'evil',
        max_age: '1',
        Redirect_Uri: 'https://evil.example/',
        MAX_AGE: '1',
      },
    });
    await auth.login();
    const p = new URL(nav.last() ?? '').searchParams;
    expect([p.get('audience'), p.get('ui_locales'), p.get('max_age')]).toEqual(['https://api.example.com', 'en', null]);
    // nor in another case: some servers read parameter names case-insensitively
    expect([p.get('Redirect_Uri'), p.get('MAX_AGE')]).toEqual([null, null]);
    expect(p.get('state')).not.toBe('evil');
    await auth.login({ extraParams: { ui_locales: 'de', organization: 'org_1' } });
    const q = new URL(nav.last() ?? '').searchParams;
    expect([q.get('audience'), q.get('ui_locales'), q.get('organization')]).toEqual([
      'https://api.example.com',
      'de',
      'org_1',
    ]);
  });

  it('uses PAR when the server advertises it: only client_id and request_uri in the browser', async () => {
    server.metadata.pushed_authorization_request_endpoint = `${server.issuer}/par`;
    const nav = captureNavigation();
    await client().login();
    const url = new URL(nav.last() ?? '');
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const par = server.requests.find((r) => r.url.pathname === '/par');
    expect(par?.form.get('code_challenge_method')).toBe('S256');
  });

  // RFC 6749 §3.1: an endpoint's query component "MUST be retained" (e.g. Azure AD B2C's ?p=policy).
  for (const par of [false, true]) {
    it(`keeps the authorization endpoint's own query${par ? ' with PAR' : ''}, and its own client_id wins`, async () => {
      server.metadata.authorization_endpoint = `${server.issuer}/authorize?p=B2C_1_signin&client_id=evil`;
      if (par) server.metadata.pushed_authorization_request_endpoint = `${server.issuer}/par`;
      const nav = captureNavigation();
      await client().login();
      const p = new URL(nav.last() ?? '').searchParams;
      expect(p.get('p')).toBe('B2C_1_signin');
      expect(p.getAll('client_id')).toEqual(['spa']);
      expect(p.has(par ? 'request_uri' : 'code_challenge')).toBe(true);
    });
  }

  it("keeps the end-session endpoint's own query (RP-Initiated Logout §2)", async () => {
    server.metadata.end_session_endpoint = `${server.issuer}/logout?p=B2C_1_signin&id_token_hint=evil`;
    const auth = await flow.signedIn();
    const nav = captureNavigation();
    await auth.logout();
    const p = new URL(nav.last() ?? '').searchParams;
    expect(p.get('p')).toBe('B2C_1_signin');
    expect(p.getAll('id_token_hint')).toEqual([server.issued.idTokens[0]]);
  });

  it('sends resource indicators on the authorization and token requests', async () => {
    const { authorizeUrl, result } = await loginFlow({ resource: ['https://api.example.com'] });
    await result;
    expect(authorizeUrl.searchParams.getAll('resource')).toEqual(['https://api.example.com']);
    expect(server.tokenRequests()[0]?.form.getAll('resource')).toEqual(['https://api.example.com']);
  });

  it('refuses a returnTo that leaves the origin', async () => {
    const nav = captureNavigation();
    for (const bad of [
      'https://evil.example/',
      '//evil.example/x',
      'javascript:alert(1)',
      '/\\evil.example',
      'http://app.example.com/',
    ]) {
      await expectCode(client().login({ returnTo: bad }), 'invalid_config');
    }
    expect(nav.all).toHaveLength(0);
  });

  it('hands back a returnTo that stays on the origin, even when dot segments would make it //host', async () => {
    for (const [given, back] of [
      ['/.//evil.example/x', '/evil.example/x'],
      ['/a/..//evil.example/', '/evil.example/'],
    ] as const) {
      const nav = captureNavigation();
      await client().login({ returnTo: given });
      landOn(server.authorize(nav.last() ?? ''));
      const { returnTo } = await client().init();
      expect(returnTo).toBe(back);
      expect(new URL(returnTo!, APP).origin).toBe(APP);
    }
  });

  it('hands back no returnTo that leaves the origin, even one another script of the origin wrote into the stored login', async () => {
    for (const hostile of ['javascript:alert(document.domain)', '//evil.example/x', 'https://evil.example/x']) {
      const nav = captureNavigation();
      await client().login({ returnTo: '/orders' });
      const [key] = transactionKeys();
      sessionStorage.setItem(key!, JSON.stringify({ ...JSON.parse(sessionStorage.getItem(key!)!), returnTo: hostile }));
      landOn(server.authorize(nav.last() ?? ''));
      await expect(client().init()).resolves.toEqual({ authenticated: true });
    }
  });

  it('removes token parameters a misbehaving server put in the callback URL, never using them', async () => {
    // P-05: implicit/hybrid parameters are ignored (access_token, refresh_token) or rejected
    // (id_token, token: an implicit or hybrid response); either way they leave the address bar.
    const { next, result } = await loginFlow({}, { access_token: 'AT-IN-URL', refresh_token: 'RT-IN-URL' });
    await result;
    expect(window.location.href).toBe(`${APP}/callback`);
    await expect(next.getAccessToken()).resolves.toBe(server.issued.accessTokens[0]);
    for (const planted of [{ id_token: 'ID-IN-URL' }, { token: 'T-IN-URL' }]) {
      const hybrid = await loginFlow({}, planted);
      await expectCode(hybrid.result, 'invalid_response');
      expect(window.location.href).toBe(`${APP}/callback`);
    }
  });

  it('leaves a callback made for another client on the page (same redirect URI) to that client', async () => {
    const nav = captureNavigation();
    await client().login({ returnTo: '/mine' });
    landOn(server.authorize(nav.last() ?? ''));
    const other = client({ clientId: 'other-spa' });
    await expect(other.init()).resolves.toEqual({ authenticated: false });
    other.destroy();
    expect(transactionKeys()).toHaveLength(1); // not spent by the other client
    await expect(client().init()).resolves.toEqual({ authenticated: true, returnTo: '/mine' });
    expect(server.tokenRequests()).toHaveLength(1);
  });

  it('completes a login in an app that runs framed (its transaction is in this tab), instead of posting it to the parent', async () => {
    const nav = captureNavigation();
    await client().login({ returnTo: '/inbox' });
    landOn(server.authorize(nav.last() ?? ''));
    const portal = { postMessage: vi.fn() };
    Object.defineProperty(window, 'parent', { value: portal, configurable: true });
    try {
      await expect(client().init()).resolves.toEqual({ authenticated: true, returnTo: '/inbox' });
      expect(portal.postMessage).not.toHaveBeenCalled();
      expect(server.tokenRequests()).toHaveLength(1);
    } finally {
      delete (window as { parent?: unknown }).parent;
    }
  });

  describe('framed, with no transaction of its own', () => {
    let parent: { postMessage: ReturnType<typeof vi.fn> };
    beforeEach(() => {
      parent = { postMessage: vi.fn() };
      Object.defineProperty(window, 'parent', { value: parent, configurable: true });
      return () => void delete (window as { parent?: unknown }).parent;
    });

    it('on the silent redirect page: hands the response to the parent, then takes it out of its own address bar', async () => {
      landOn(`${APP}/silent?code=c1&state=s1&iss=${encodeURIComponent(server.issuer)}`);
      await expect(client({ silentRedirectUri: `${APP}/silent` }).init()).resolves.toEqual({ authenticated: false });
      expect(parent.postMessage).toHaveBeenCalledExactlyOnceWith(
        { type: 'spa-auth:silent', search: `?code=c1&state=s1&iss=${encodeURIComponent(server.issuer)}` },
        APP,
      );
      expect(window.location.href).toBe(`${APP}/silent`);
      expect(server.tokenRequests()).toHaveLength(0);
    });

    it('with two clients on that page: the second finds the answer handed up and starts nothing there', async () => {
      const other = await createFakeServer({ issuer: 'https://other-id.example.com', clientId: 'spa-2' });
      landOn(`${APP}/callback?code=c1&state=s1&iss=${encodeURIComponent(server.issuer)}`);
      await expect(client().init()).resolves.toEqual({ authenticated: false });
      // had it restored, B would ask its provider and wait out a silent iframe (1 s here)
      const b = client({
        issuer: other.issuer,
        clientId: other.clientId,
        fetch: other.fetch,
        silentAuthorization: true,
        silentTimeout: 1,
      });
      await expect(b.init()).resolves.toEqual({ authenticated: false });
      expect(other.requests).toHaveLength(0);
      expect(document.querySelector('iframe')).toBeNull();
      expect(parent.postMessage).toHaveBeenCalledTimes(1);
      expect(window.location.href).toBe(`${APP}/callback`);
    });

    it('on any other page: posts nothing, and leaves the page its own ?code=&state=', async () => {
      landOn(`${APP}/shop?code=SUMMER24&state=CA`);
      await client({ silentRedirectUri: `${APP}/silent` }).init();
      expect(parent.postMessage).not.toHaveBeenCalled();
      expect(window.location.search).toBe('?code=SUMMER24&state=CA');
    });
  });

  it('resolves { authenticated: false } on a page that is not a callback', async () => {
    await expect(client().init()).resolves.toEqual({ authenticated: false });
    await expectCode(client().getAccessToken(), 'login_required');
  });
});

describe('callback validation', () => {
  it('treats code or error without state as no callback: no token request, the app keeps its query', async () => {
    // README, "Decisions": a callback has `code` or `error`, and `state`. An app's own ?code= (a promo code)
    // on the redirect URI's page is not an authorization response, and never reaches the token endpoint.
    for (const query of ['?code=SUMMER24', '?error=quota_exceeded']) {
      landOn(`${APP}/callback${query}`);
      await expect(client().init()).resolves.toEqual({ authenticated: false });
      expect(window.location.search).toBe(query);
    }
    expect(server.tokenRequests()).toHaveLength(0);
  });

  it('ignores an unknown state: reported, nothing exchanged, a normal page load', async () => {
    const nav = captureNavigation();
    await client().login();
    const cb = new URL(server.authorize(nav.last() ?? ''));
    cb.searchParams.set('state', 'x'.repeat(43));
    landOn(cb.href);
    await expectStale(client());
    expect(server.tokenRequests()).toHaveLength(0);
  });

  it('ignores a replayed callback URL (back button, restored tab): nothing exchanged twice', async () => {
    const nav = captureNavigation();
    await client().login();
    const cb = server.authorize(nav.last() ?? '');
    landOn(cb);
    await client().init();
    landOn(cb);
    await expectStale(client());
    expect(server.tokenRequests()).toHaveLength(1);
  });

  it('ignores a callback whose transaction is older than 10 minutes', async () => {
    const nav = captureNavigation();
    await client().login();
    const key = transactionKeys()[0] ?? '';
    const tx = JSON.parse(window.sessionStorage.getItem(key) ?? '{}') as { createdAt: number };
    tx.createdAt -= 11 * 60_000;
    window.sessionStorage.setItem(key, JSON.stringify(tx));
    landOn(server.authorize(nav.last() ?? ''));
    await expectStale(client());
    expect(server.tokenRequests()).toHaveLength(0);
    expect(transactionKeys()).toEqual([]);
  });

  it('rejects a wrong iss (RFC 9207) and a missing one when the server advertises it', async () => {
    const { result } = await loginFlow({}, { iss: 'https://evil.example' });
    await expectCode(result, 'invalid_response');
    resetPage();
    const nav = captureNavigation();
    await client().login();
    const cb = new URL(server.authorize(nav.last() ?? ''));
    cb.searchParams.delete('iss');
    landOn(cb.href);
    await expectCode(client().init(), 'invalid_response');
    expect(server.tokenRequests()).toHaveLength(0);
  });

  it('turns an error response with a valid state into oauth_error and consumes the state', async () => {
    const nav = captureNavigation();
    await client().login();
    const state = new URL(nav.last() ?? '').searchParams.get('state') ?? '';
    landOn(
      `${APP}/callback?error=access_denied&error_description=no&state=${state}&iss=${encodeURIComponent(server.issuer)}`,
    );
    const err = await expectCode(client().init(), 'oauth_error');
    expect(err.error).toBe('access_denied');
    expect(window.location.search).toBe('');
    expect(transactionKeys()).toEqual([]);
  });

  it('does not believe an error response whose iss is wrong (mix-up defence)', async () => {
    const nav = captureNavigation();
    await client().login();
    const state = new URL(nav.last() ?? '').searchParams.get('state') ?? '';
    landOn(`${APP}/callback?error=access_denied&state=${state}&iss=${encodeURIComponent('https://evil.example')}`);
    await expectCode(client().init(), 'invalid_response');
  });

  it('refuses tokens injected into the authorization response (code flow only)', async () => {
    const { result } = await loginFlow({}, { id_token: 'eyJhbGciOiJub25lIn0.e30.' });
    await expectCode(result, 'invalid_response');
    expect(server.tokenRequests()).toHaveLength(0);
  });

  it('ignores a response delivered in the fragment', async () => {
    const nav = captureNavigation();
    await client().login();
    const cb = new URL(server.authorize(nav.last() ?? ''));
    landOn(`${APP}/callback#${cb.search.slice(1)}`);
    await expect(client().init()).resolves.toEqual({ authenticated: false });
    expect(server.tokenRequests()).toHaveLength(0);
    expect(window.location.href).toBe(`${APP}/callback`); // the code left the address bar
  });

  it('takes tokens a misbehaving provider put in the fragment out of the address bar, and never uses them', async () => {
    const nav = captureNavigation();
    await client().login();
    const state = new URL(nav.last() ?? '').searchParams.get('state') ?? '';
    landOn(`${APP}/callback#access_token=AT-IN-FRAGMENT&token_type=Bearer&id_token=ID-IN-FRAGMENT&state=${state}`);
    await expect(client().init()).resolves.toEqual({ authenticated: false });
    expect(server.tokenRequests()).toHaveLength(0);
    expect(window.location.href).toBe(`${APP}/callback`);
  });

  it('leaves an app fragment (a hash route) on the redirect URI alone, whatever its own query holds', async () => {
    for (const route of [
      '#/orders?code=SUMMER24',
      '#/verify-email?user=bob&code=123456',
      '#/documents/42?view=read&access_token=share-7',
      '#!/a?b=1&id_token=x',
    ]) {
      landOn(`${APP}/callback${route}`);
      await expect(client().init()).resolves.toEqual({ authenticated: false });
      expect(window.location.hash).toBe(route);
    }
  });

  it('ignores an error response whose state is unknown', async () => {
    landOn(`${APP}/callback?error=access_denied&state=forged`);
    await expectStale(client());
  });
});

describe('token response validation', () => {
  const cases: Array<[string, (s: FakeServer) => void]> = [
    ['no access_token', (s) => (s.tokenHook = (b) => ({ ...b, access_token: undefined }))],
    ['empty access_token', (s) => (s.tokenHook = (b) => ({ ...b, access_token: '' }))],
    ['access_token with spaces', (s) => (s.tokenHook = (b) => ({ ...b, access_token: 'a b' }))],
    ['DPoP token_type in Bearer mode', (s) => (s.tokenHook = (b) => ({ ...b, token_type: 'DPoP' }))],
    ['unknown token_type', (s) => (s.tokenHook = (b) => ({ ...b, token_type: 'mac' }))],
    ['negative expires_in', (s) => (s.expiresIn = -5)],
    ['string expires_in', (s) => (s.expiresIn = 'soon')],
    ['no id_token', (s) => (s.tokenHook = (b) => ({ ...b, id_token: undefined }))],
    [
      'non-JSON body',
      (s) => (s.tokenHook = () => new Response('<html>', { status: 200, headers: { 'content-type': 'text/html' } })),
    ],
    ['5xx', (s) => (s.tokenHook = () => new Response('down', { status: 503 }))],
    [
      'huge body',
      (s) =>
        (s.tokenHook = () =>
          new Response('x'.repeat(2 << 20), { status: 200, headers: { 'content-type': 'application/json' } })),
    ],
  ];
  for (const [name, setup] of cases) {
    it(`rejects ${name} and installs nothing`, async () => {
      setup(server);
      const { next, result } = await loginFlow();
      await expectCode(result, 'invalid_response');
      expect(next.isAuthenticated).toBe(false);
      expect(transactionKeys()).toEqual([]);
    });
  }

  it('clamps an absurd expires_in so no timer overflows', async () => {
    server.expiresIn = 1e12;
    const { next, result } = await loginFlow();
    await result;
    expect(next.expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);
  });

  it('turns a token-endpoint OAuth error into oauth_error', async () => {
    server.tokenHook = () =>
      new Response(JSON.stringify({ error: 'invalid_grant', error_description: 'bad code' }), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
    const { result } = await loginFlow();
    const err = await expectCode(result, 'oauth_error');
    expect(err.error).toBe('invalid_grant');
  });

  it('reports an unreachable server as network_error', async () => {
    server.override.set('/token', () => Promise.reject(new TypeError('Failed to fetch')));
    const { result } = await loginFlow();
    await expectCode(result, 'network_error');
  });
});
