/**
 * The `metadata` option: single discovered values supplied or overridden (Cognito's `/logout`,
 * Auth0's `/v2/logout`), under the same URL rules as discovered endpoints.
 */
import { describe, expect, it } from 'vitest';
import { createAuthClient, isAuthError } from '../src/index.js';
import { APP, captureNavigation } from './helpers/browser.js';
import { useFlow } from './helpers/flow.js';

const flow = useFlow();

/** The invalid_config message createAuthClient throws for these metadata, or 'ok'. */
function configError(metadata: unknown, issuer = 'https://id.example.com'): string {
  try {
    createAuthClient({ issuer, clientId: 'spa', redirectUri: `${APP}/callback`, metadata } as Parameters<
      typeof createAuthClient
    >[0]).destroy();
    return 'ok';
  } catch (e) {
    expect(isAuthError(e) && e.code).toBe('invalid_config');
    return (e as Error).message;
  }
}

describe('metadata option', () => {
  it('supplies an end_session_endpoint that discovery leaves out, keeping its own query', async () => {
    delete flow.server.metadata.end_session_endpoint;
    const logout = `${flow.server.issuer}/v2/logout?returnTo=${encodeURIComponent(`${APP}/`)}`;
    const auth = await flow.signedIn({ metadata: { end_session_endpoint: logout } });
    const nav = captureNavigation();
    await auth.logout();
    const url = new URL(nav.last() ?? '');
    expect(url.origin + url.pathname).toBe(`${flow.server.issuer}/v2/logout`);
    expect(url.searchParams.get('returnTo')).toBe(`${APP}/`);
    expect(url.searchParams.get('client_id')).toBe('spa');
  });

  it('overrides a discovered value, also over a cached discovery, and only for the client that asks', async () => {
    const auth = await flow.signedIn({ metadata: { revocation_endpoint: `${flow.server.issuer}/oauth/revoke` } });
    await auth.logout({ localOnly: true });
    const plain = await flow.signedIn(); // same issuer: the discovery cached by the first client
    await plain.logout({ localOnly: true });
    expect(flow.server.requests.filter((r) => /revoke/.test(r.url.pathname)).map((r) => r.url.pathname)).toEqual([
      '/oauth/revoke',
      '/revoke',
    ]);
  });

  it('without the option, a provider without end_session_endpoint gets no redirect', async () => {
    delete flow.server.metadata.end_session_endpoint;
    const auth = await flow.signedIn();
    const nav = captureNavigation();
    await auth.logout();
    expect(nav.all).toEqual([]);
    expect(auth.isAuthenticated).toBe(false);
  });

  it('refuses bad values at once with invalid_config, naming the value and the rule', () => {
    expect(configError({ end_session_endpoint: 'http://id.example.com/logout' })).toContain(
      'metadata.end_session_endpoint',
    );
    expect(configError({ end_session_endpoint: 'javascript:alert(1)' })).toContain('metadata.end_session_endpoint');
    expect(configError({ jwks_uri: 42 })).toContain('metadata.jwks_uri');
    // plain http on a loopback host only when the issuer is on one too
    expect(configError({ token_endpoint: 'http://127.0.0.1:9/token' })).toContain('metadata.token_endpoint');
    expect(configError({ token_endpoint: 'http://127.0.0.1:9/token' }, 'http://127.0.0.1:9')).toBe('ok');
    expect(configError({ issuer: 'https://evil.example.com' })).toContain('metadata.issuer');
    expect(configError('https://id.example.com/.well-known/openid-configuration')).toContain('metadata');
    expect(configError({ scopes_supported: [1] })).toContain('metadata.scopes_supported');
    expect(
      configError({ end_session_endpoint: 'https://id.example.com/logout', frontchannel_logout_supported: true }),
    ).toBe('ok');
  });
});
