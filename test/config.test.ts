import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { AuthError, createAuthClient, isAuthError, type AuthClientOptions } from '../src/index.js';

const base: AuthClientOptions = { issuer: 'https://id.example.com', clientId: 'spa', redirectUri: 'https://app.example.com/cb' };

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
    // SECURITY.md P-06 (RFC 9700 §4.11.1): logout lands on the app's own origin
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
    for (const patch of [{ clockTolerance: 60 }, { redirectUri: 'http://127.0.0.1:5173/cb', silentRedirectUri: 'http://localhost/s' }]) {
      expect(() => createAuthClient({ ...base, ...patch }).destroy()).not.toThrow();
    }
    expect(resolveConfig({ ...base, postLogoutRedirectUri: 'http://[::1]:8080/bye' }, 'http://[::1]:8080').postLogoutRedirectUri).toBe('http://[::1]:8080/bye');
  });

  it("takes the redirect URI's origin for the page's where there is no page (SSR)", () => {
    const ssr = { ...base, redirectUri: 'https://app.example.com/cb' };
    expect(resolveConfig({ ...ssr, postLogoutRedirectUri: 'https://app.example.com/bye' }, undefined).postLogoutRedirectUri).toBe('https://app.example.com/bye');
    expect(() => resolveConfig({ ...ssr, postLogoutRedirectUri: 'https://www.example.com/' }, undefined)).toThrow(/postLogoutRedirectUri/);
  });

  it('does not mutate the caller options', () => {
    const options = Object.freeze({ ...base, apiOrigins: Object.freeze(['https://api.example.com/']) });
    expect(() => createAuthClient(options).destroy()).not.toThrow();
  });
});
