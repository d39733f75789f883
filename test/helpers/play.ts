/** The fake server playing a provider profile at the provider's own URLs (test/fixtures/providers.ts). */
import { afterEach, beforeEach } from 'vitest';
import { createAuthClient, type AuthClient, type AuthClientOptions } from '../../src/index.js';
import type { Profile } from '../fixtures/providers.js';
import { APP, resetPage } from './browser.js';
import { createFakeServer } from './fake-server.js';

/** Registers page reset and client teardown; returns `play(profile)`. */
export function usePlay() {
  const clients: AuthClient[] = [];
  beforeEach(() => resetPage());
  afterEach(() => clients.splice(0).forEach((c) => c.destroy()));
  return (profile: Profile) => play(profile, clients);
}

/** The fake server playing `profile`; `seen` lists the provider URLs requested (without query). */
async function play(profile: Profile, clients: AuthClient[]) {
  const server = await createFakeServer({ issuer: profile.issuer, clientId: profile.clientId });
  server.metadata = profile.discovery;
  server.sendIss = profile.sendsIss;
  server.rotate = profile.rotates;
  if (profile.token) server.tokenHook = profile.token;
  if (profile.claims) server.idTokenHook = profile.claims;
  const metadata = { ...profile.discovery, ...profile.options.metadata };
  const routes = new Map<unknown, string>([
    [`${profile.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, '/.well-known/openid-configuration'],
    [metadata.token_endpoint, '/token'],
    [metadata.jwks_uri, '/jwks'],
    [metadata.revocation_endpoint, '/revoke'],
    [metadata.pushed_authorization_request_endpoint, '/par'],
  ]);
  if (profile.revoke?.status)
    server.override.set(
      '/revoke',
      () =>
        new Response(JSON.stringify({ error: 'invalid_client' }), {
          status: profile.revoke!.status!,
          headers: { 'content-type': 'application/json' },
        }),
    );
  const seen: string[] = [];
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const bare = url.origin + url.pathname;
    seen.push(bare);
    return server.fetch(`https://fake.invalid${routes.get(bare) ?? '/unknown'}${url.search}`, init);
  }) as typeof globalThis.fetch;
  const client = (extra: Partial<AuthClientOptions> = {}) => {
    const c = createAuthClient({
      issuer: profile.issuer,
      clientId: profile.clientId,
      redirectUri: `${APP}/callback`,
      postLogoutRedirectUri: `${APP}/`,
      shareSessionAcrossTabs: false,
      silentAuthorization: false,
      fetch,
      ...profile.options,
      ...extra,
    });
    clients.push(c);
    return c;
  };
  return { server, seen, client };
}
