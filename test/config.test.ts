import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { AuthError, createAuthClient, isAuthError, type AuthClientOptions } from '../src/index.js';
import { dpop } from '../src/dpop-support.js';

const base: AuthClientOptions = {
  issuer: 'https://id.example.com',
  clientId: 'spa',
  redirectUri: 'https://app.example.com/cb',
};

function configError(patch: Record<string, unknown>): AuthError {
  try {
    createAuthClient({ ...base, ...patch } as AuthClientOptions);
  } catch (e) {
    expect(isAuthError(e)).toBe(true);
    return e as AuthError;
  }
  throw new Error(`accepted ${JSON.stringify(patch)}`);
}

describe('options', () => {
  it('creates a client synchronously without any I/O', () => {
    let calls = 0;
    const auth = createAuthClient({ ...base, fetch: async () => (calls++, new Response()) });
    expect(auth.isAuthenticated).toBe(false);
    expect(auth.user).toBeUndefined();
    expect(auth.expiresAt).toBeUndefined();
    expect(calls).toBe(0);
    auth.destroy();
  });

  const bad: Array<[string, Record<string, unknown>]> = [
    ['issuer', { issuer: undefined }],
    ['issuer', { issuer: 'not a url' }],
    ['issuer', { issuer: 'http://id.example.com' }],
    ['issuer', { issuer: 'javascript:alert(1)' }],
    ['issuer', { issuer: 'https://id.example.com/?q=1' }],
    ['clientId', { clientId: '' }],
    ['clientId', { clientId: 42 }],
    ['redirectUri', { redirectUri: '/callback' }],
    ['redirectUri', { redirectUri: 'data:text/html,x' }],
    // RFC 9700 §2.6: authorization responses never travel over plain http, except on loopback
    ['redirectUri', { redirectUri: 'http://app.example.com/cb' }],
    ['silentRedirectUri', { silentRedirectUri: 'http://app.example.com/silent' }],
    ['postLogoutRedirectUri', { postLogoutRedirectUri: 'http://app.example.com/' }],
    ['postLogoutRedirectUri', { postLogoutRedirectUri: 'javascript:alert(1)' }],
    // docs/security.md P-06 (RFC 9700 §4.11.1): logout lands on the app's own origin
    ['postLogoutRedirectUri', { postLogoutRedirectUri: 'https://evil.example/' }],
    ['postLogoutRedirectUri', { postLogoutRedirectUri: 'https://app.example.com.evil.example/' }],
    ['silentRedirectUri', { silentRedirectUri: 'silent.html' }],
    ['apiOrigins', { apiOrigins: 'https://api.example.com' }],
    ['apiOrigins', { apiOrigins: ['https://api.example.com/v1'] }],
    ['apiOrigins', { apiOrigins: ['*'] }],
    ['apiOrigins', { apiOrigins: ['http://api.example.com'] }],
    ['resource', { resource: 'api' }],
    ['resource', { resource: ['https://api.example.com/#x'] }],
    ['refreshLeeway', { refreshLeeway: -1 }],
    ['refreshLeeway', { refreshLeeway: Number.NaN }],
    ['clockTolerance', { clockTolerance: 3600 }],
    ['clockTolerance', { clockTolerance: 61 }], // OIDC Core §3.1.3.7: a small tolerance, at most 60 s
    ['dpop', { dpop: 'yes' }],
    ['dpop', { dpop: { feature: 'popup' } }],
    ['popup', { popup: true }],
    ['popup', { popup: null }],
    ['userInfo', { userInfo: {} }],
    ['fetch', { fetch: 'fetch' }],
    ['scope', { scope: '' }],
    ['extraParams', { extraParams: 'audience=x' }],
    ['extraParams', { extraParams: ['x'] }],
    ['extraParams', { extraParams: null }],
    ['extraParams', { extraParams: { audience: 42 } }],
  ];
  for (const [option, patch] of bad) {
    it(`refuses a bad ${option}: ${JSON.stringify(patch)}`, () => {
      const err = configError(patch);
      expect(err).toBeInstanceOf(AuthError);
      expect(err.code).toBe('invalid_config');
      expect(err.message).toContain(option);
    });
  }

  it('accepts the limits themselves: a 60 s tolerance, plain http redirect URIs on a loopback host', () => {
    for (const patch of [
      { clockTolerance: 60 },
      { redirectUri: 'http://127.0.0.1:5173/cb', silentRedirectUri: 'http://localhost/s' },
    ]) {
      expect(() => createAuthClient({ ...base, ...patch }).destroy()).not.toThrow();
    }
    expect(
      resolveConfig({ ...base, postLogoutRedirectUri: 'http://[::1]:8080/bye' }, 'http://[::1]:8080')
        .postLogoutRedirectUri,
    ).toBe('http://[::1]:8080/bye');
  });

  it("accepts a postLogoutRedirectUri on the page's origin or the redirect URI's (SSR and opaque origins: the latter)", () => {
    const www = { ...base, redirectUri: 'https://www.example.com/cb', apiOrigins: [] }; // an opaque origin has no default apiOrigins
    // one app under two host names: the page is app.example.com, its URLs name www.example.com
    for (const page of ['https://app.example.com', undefined, 'null']) {
      expect(
        resolveConfig({ ...www, postLogoutRedirectUri: 'https://www.example.com/bye' }, page).postLogoutRedirectUri,
      ).toBe('https://www.example.com/bye');
    }
    expect(
      resolveConfig({ ...www, postLogoutRedirectUri: 'https://app.example.com/bye' }, 'https://app.example.com')
        .postLogoutRedirectUri,
    ).toBe('https://app.example.com/bye');
    expect(() => resolveConfig({ ...www, postLogoutRedirectUri: 'https://app.example.com/bye' }, undefined)).toThrow(
      /postLogoutRedirectUri/,
    );
    expect(() =>
      resolveConfig({ ...www, postLogoutRedirectUri: 'https://evil.example/' }, 'https://app.example.com'),
    ).toThrow(/postLogoutRedirectUri/);
  });

  it('gives tabs with different settings different tab keys, even when values contain the old separator', () => {
    const key = (o: Partial<AuthClientOptions>) => resolveConfig({ ...base, ...o }, 'https://app.example.com').tabKey;
    // a client id "spa|DPoP" in Bearer mode vs "spa" in DPoP mode with a scope "Bearer|a"
    expect(key({ clientId: 'spa|DPoP', scope: 'a' })).not.toBe(key({ clientId: 'spa', dpop, scope: 'Bearer|a' }));
    expect(key({ extraParams: { audience: 'x' } })).not.toBe(key({}));
    expect(key({ extraParams: { a: '1', b: '2' } })).toBe(key({ extraParams: { b: '2', a: '1' } }));
  });

  it('takes DPoP support as an import: dpop: true says which import to add; false and absent mean Bearer', () => {
    const err = configError({ dpop: true });
    expect(err.code).toBe('invalid_config');
    expect(err.message).toMatch(/^dpop: true needs DPoP support.*import \{ dpop \} from 'spa-auth\/dpop'/);
    expect(configError({ popup: 'yes' }).message).toBe(
      "popup must be the popup value of spa-auth/popup (import { popup } from 'spa-auth/popup').",
    );
    const config = (o: Partial<AuthClientOptions>) => resolveConfig({ ...base, ...o }, 'https://app.example.com');
    expect(config({ dpop }).dpop).toBe(dpop);
    expect(config({ dpop: false }).dpop).toBeUndefined();
    expect(config({}).dpop).toBeUndefined();
    expect(config({ dpop: false }).tabKey).toBe(config({}).tabKey);
  });

  it('does not mutate the caller options', () => {
    const options = Object.freeze({ ...base, apiOrigins: Object.freeze(['https://api.example.com/']) });
    expect(() => createAuthClient(options).destroy()).not.toThrow();
  });
});
