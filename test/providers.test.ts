/**
 * Each provider profile end to end against the fake server answering at the provider's own
 * URLs and in its own shapes: login and callback, two refreshes (rotating or not), logout.
 * The configuration used is the one the README gives for the provider.
 */
import { describe, expect, it } from 'vitest';
import type { AuthError } from '../src/index.js';
import { captureNavigation, landOn } from './helpers/browser.js';
import type { FakeServer } from './helpers/fake-server.js';
import { usePlay } from './helpers/play.js';
import { PROFILES } from './fixtures/providers.js';

const play = usePlay();

/** The refresh tokens presented, in order. */
const presented = (server: FakeServer) =>
  server
    .tokenRequests()
    .map((r) => r.form.get('refresh_token'))
    .filter(Boolean);

describe.each(PROFILES.map((p) => [p.name, p] as const))('%s', (_, profile) => {
  it('login, callback, refresh and logout, as the provider answers them', async () => {
    const { server, seen, client } = await play(profile);
    const metadata = { ...profile.discovery, ...profile.options.metadata } as Record<string, string | undefined>;

    // login: to the provider's authorization endpoint (through PAR where it is advertised)
    const nav = captureNavigation();
    await client().login();
    const authorize = new URL(nav.last() ?? '');
    expect(authorize.origin + authorize.pathname).toBe(metadata.authorization_endpoint);
    const sent = metadata.pushed_authorization_request_endpoint
      ? server.requests.find((r) => r.url.pathname === '/par')!.form
      : authorize.searchParams;
    expect(sent.get('code_challenge_method')).toBe('S256');
    for (const [k, v] of Object.entries(profile.expectParams ?? {})) expect(sent.get(k)).toBe(v);

    // callback: with RFC 9207 iss only where the provider sends it
    const callback = new URL(server.authorize(authorize.href));
    expect(callback.searchParams.has('iss')).toBe(profile.sendsIss);
    landOn(callback.href);
    const auth = client();
    const errors: AuthError[] = [];
    auth.on('error', (e) => errors.push(e));
    await expect(auth.init()).resolves.toMatchObject({ authenticated: true });
    expect(auth.user?.sub).toBe('alice');
    expect(auth.user?.iss).toBe(profile.issuer);

    // two refreshes: the refresh token rotates, or the first one is presented again
    for (let i = 1; i <= 2; i++)
      expect(await auth.getAccessToken({ forceRefresh: true })).toBe(server.issued.accessTokens[i]);
    const [rt0, rt1] = server.issued.refreshTokens;
    expect(presented(server)).toEqual(profile.rotates ? [rt0, rt1] : [rt0, rt0]);
    expect(seen).toContain(metadata.token_endpoint);
    expect(auth.user?.sub).toBe('alice');

    // logout: revocation where there is an endpoint (a refusal is reported), then the provider's logout page
    await auth.logout();
    expect(auth.isAuthenticated).toBe(false);
    expect(seen.includes(profile.revoke?.endpoint ?? '')).toBe(!!profile.revoke);
    expect(errors.map((e) => e.code)).toEqual(profile.revoke?.status ? ['oauth_error'] : []);
    const last = nav.all.at(-1);
    if (!profile.logout) {
      expect(nav.all).toHaveLength(1); // only the login redirect
      return;
    }
    const out = new URL(last ?? '');
    expect(out.origin + out.pathname).toBe(profile.logout.endpoint);
    for (const [k, v] of Object.entries(profile.logout.params)) expect(out.searchParams.get(k)).toBe(v);
    expect(out.searchParams.get('id_token_hint')).toBe(server.issued.idTokens.at(-1));
    expect(out.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
  });
});

describe('response shapes the specs allow', () => {
  it('token_type "bearer" in lower case and expires_in as a numeric string are accepted', async () => {
    const profile = PROFILES.find((p) => p.name === 'oidc-provider')!;
    const { server, client } = await play({
      ...profile,
      token: (body) => ({ ...body, token_type: 'bearer', expires_in: '3600' }),
    });
    const nav = captureNavigation();
    await client().login();
    landOn(server.authorize(nav.last()!));
    const auth = client();
    const before = Date.now();
    await expect(auth.init()).resolves.toMatchObject({ authenticated: true });
    expect(auth.expiresAt! - before).toBeGreaterThanOrEqual(3600_000);
    expect(auth.expiresAt! - Date.now()).toBeLessThanOrEqual(3600_000);
  });

  it('a refreshed ID token without nonce or auth_time is accepted; one with a different nonce is not', async () => {
    const profile = PROFILES.find((p) => p.name === 'oidc-provider')!;
    const { server, client } = await play(profile);
    const nav = captureNavigation();
    await client().login();
    landOn(server.authorize(nav.last()!));
    const auth = client();
    await auth.init();
    expect(await auth.getAccessToken({ forceRefresh: true })).toBe(server.issued.accessTokens[1]);
    server.idTokenHook = (c) => ({ ...c, nonce: 'another' });
    await expect(auth.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ code: 'login_required' });
  });

  it('an issuer that differs by a trailing slash is refused (Auth0: configure it with the slash)', async () => {
    const profile = PROFILES.find((p) => p.name === 'Auth0')!;
    const { client } = await play(profile);
    const auth = client({ issuer: profile.issuer.replace(/\/$/, '') });
    const err = await auth.login().then(
      () => undefined,
      (e: unknown) => e as AuthError,
    );
    expect(err?.code).toBe('invalid_response');
  });
});
