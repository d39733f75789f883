import { describe, expect, it } from 'vitest';
import { createAuthClient } from '../src/index.js';
import { captureNavigation } from './helpers/browser.js';
import { createFakeServer } from './helpers/fake-server.js';
import { expectCode, useFlow } from './helpers/flow.js';

const flow = useFlow();

describe('discovery', () => {
  it('is lazy and shared: no request at creation, one for concurrent logins', async () => {
    const c = flow.client();
    expect(flow.server.requests).toHaveLength(0);
    captureNavigation();
    await Promise.all([c.login(), c.login(), c.login()]);
    expect(flow.server.requests.filter((r) => r.url.pathname.includes('well-known'))).toHaveLength(1);
  });

  const hostile: Array<[string, Record<string, unknown>]> = [
    ['an issuer that differs', { issuer: 'https://evil.example' }],
    ['an issuer with a trailing slash', { issuer: 'https://id.example.com/' }],
    ['an http token endpoint', { token_endpoint: 'http://id.example.com/token' }],
    ['a javascript: authorization endpoint', { authorization_endpoint: 'javascript:alert(1)' }],
    ['a data: end_session endpoint', { end_session_endpoint: 'data:text/html,hi' }],
    ['a revocation endpoint with credentials', { revocation_endpoint: 'https://user:pass@id.example.com/revoke' }],
    ['an end_session endpoint with credentials', { end_session_endpoint: 'https://user@id.example.com/logout' }],
    ['a javascript: end_session endpoint', { end_session_endpoint: 'javascript:alert(document.domain)' }],
    ['a JavaScript: revocation endpoint with leading spaces', { revocation_endpoint: '  JavaScript:alert(1)' }],
    ['a blob: end_session endpoint', { end_session_endpoint: 'blob:https://id.example.com/x' }],
    ['an http end_session endpoint', { end_session_endpoint: 'http://id.example.com/logout' }],
    ['no PKCE S256', { code_challenge_methods_supported: ['plain'] }],
    ['response types without "code"', { response_types_supported: ['id_token', 'id_token token'] }],
    ['no jwks_uri', { jwks_uri: undefined }],
  ];
  for (const [name, patch] of hostile) {
    it(`refuses metadata with ${name}`, async () => {
      Object.assign(flow.server.metadata, patch);
      const nav = captureNavigation();
      await expectCode(flow.client().login(), 'invalid_response');
      expect(nav.all).toHaveLength(0);
    });
  }

  it('falls back to RFC 8414 when there is no OpenID configuration', async () => {
    const server = await createFakeServer({ issuer: 'https://as.example.com/tenant' });
    const metadata = server.metadata;
    const fetchImpl: typeof fetch = async (input) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (url.pathname === '/.well-known/oauth-authorization-server/tenant') return Response.json(metadata);
      return new Response('no', { status: 404 });
    };
    const nav = captureNavigation();
    await createAuthClient({
      issuer: server.issuer,
      clientId: 'spa',
      redirectUri: 'https://app.example.com/cb',
      fetch: fetchImpl,
    }).login();
    expect(nav.last()).toMatch(/^https:\/\/as\.example\.com\/tenant\/authorize\?/);
  });

  it('allows http only for a loopback issuer', async () => {
    const server = await createFakeServer({ issuer: 'http://127.0.0.1:9999' });
    const nav = captureNavigation();
    await createAuthClient({
      issuer: server.issuer,
      clientId: 'spa',
      redirectUri: 'http://127.0.0.1:3000/cb',
      fetch: server.fetch,
    }).login();
    expect(nav.last()?.startsWith('http://127.0.0.1:9999/authorize')).toBe(true);
    // a loopback issuer still may not send the browser to plain http elsewhere
    Object.assign(server.metadata, { token_endpoint: 'http://10.0.0.1/token' });
    window.sessionStorage.clear(); // no cached metadata from the first client
    await expectCode(
      createAuthClient({
        issuer: server.issuer,
        clientId: 'spa',
        redirectUri: 'http://127.0.0.1:3000/cb',
        fetch: server.fetch,
      }).login(),
      'invalid_response',
    );
  });

  it('times out a server that never answers', async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const c = createAuthClient({
      issuer: 'https://id.example.com',
      clientId: 'spa',
      redirectUri: 'https://app.example.com/cb',
      fetch: hang,
      requestTimeout: 0.05,
    });
    await expectCode(c.login(), 'timeout');
  });
});

describe('hostile transport', () => {
  // Parsed, a header this size blocks the thread far past the test timeout (oauth4webapi's
  // challenge parser is quadratic); dropped unparsed, the login fails at once.
  it('does not parse an oversized WWW-Authenticate header from the token endpoint', async () => {
    flow.server.tokenHook = () =>
      new Response('{}', {
        status: 401,
        headers: { 'www-authenticate': `Bearer error="invalid_client", ${'a=b, '.repeat(100_000)}` },
      });
    const { result } = await flow.login();
    await expectCode(result, 'invalid_response');
  });
});

describe('metadata cache', () => {
  it('a reloaded page reuses the validated metadata instead of rediscovering', async () => {
    captureNavigation();
    await flow.client().login();
    const discoveries = () => flow.server.requests.filter((r) => r.url.pathname.includes('well-known')).length;
    expect(discoveries()).toBe(1);
    await flow.client().login(); // a new page of the same tab
    expect(discoveries()).toBe(1);
  });

  it('rediscovers when the cached document does not validate', async () => {
    captureNavigation();
    await flow.client().login();
    const key = Object.keys(window.sessionStorage).find((k) => k.startsWith('spa-auth.meta.')) ?? '';
    const cached = JSON.parse(window.sessionStorage.getItem(key) ?? '{}') as { as: Record<string, unknown> };
    cached.as.token_endpoint = 'http://evil.example/token';
    window.sessionStorage.setItem(key, JSON.stringify(cached));
    const nav = captureNavigation();
    await flow.client().login();
    expect(flow.server.requests.filter((r) => r.url.pathname.includes('well-known'))).toHaveLength(2);
    expect(nav.last()).toContain(`${flow.server.issuer}/authorize`);
  });
});
