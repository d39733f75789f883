import { SignJWT, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureNavigation, landOn } from './helpers/browser.js';
import type { AuthClient } from '../src/index.js';
import { expectCode, useFlow } from './helpers/flow.js';

const flow = useFlow();
const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

describe('ID token validation (OIDC Core 3.1.3.7)', () => {
  const claimCases: Array<[string, (c: Record<string, unknown>) => Record<string, unknown>]> = [
    ['a wrong iss', (c) => ({ ...c, iss: 'https://evil.example' })],
    ['a wrong aud', (c) => ({ ...c, aud: 'someone-else' })],
    ['an extra audience with a foreign azp', (c) => ({ ...c, aud: ['spa', 'other'], azp: 'other' })],
    [
      'an extra audience even when azp is the client',
      (c) => ({ ...c, aud: ['spa', 'https://other-rp.example'], azp: 'spa' }),
    ],
    ['an azp naming another client', (c) => ({ ...c, azp: 'other-client' })],
    [
      'an azp naming another client, with aud a one-element array',
      (c) => ({ ...c, aud: ['spa'], azp: 'other-client' }),
    ],
    ['a wrong nonce', (c) => ({ ...c, nonce: 'forged' })],
    ['no nonce', (c) => ({ ...c, nonce: undefined })],
    ['an expired exp', (c) => ({ ...c, exp: now() - 120 })],
    ['an iat in the future', (c) => ({ ...c, iat: now() + 3600 })],
    // An iat an hour back is a device clock an hour ahead (the offset is learned from it), but not with an exp before it.
    ['an exp before its iat', (c) => ({ ...c, iat: now() - 3600, exp: now() - 3600 - 120 })],
    ['no sub', (c) => ({ ...c, sub: undefined })],
    ['a sub with spaces', (c) => ({ ...c, sub: 'a b' })],
  ];
  for (const [name, hook] of claimCases) {
    it(`rejects ${name}`, async () => {
      flow.server.idTokenHook = hook;
      const { next, result } = await flow.login();
      await expectCode(result, 'invalid_response');
      expect(next.isAuthenticated).toBe(false);
    });
  }

  it('accepts an azp that is this client', async () => {
    flow.server.idTokenHook = (c) => ({ ...c, aud: ['spa'], azp: 'spa' });
    const { next, result } = await flow.login();
    await expect(result).resolves.toMatchObject({ authenticated: true });
    expect(next.user?.azp).toBe('spa');
  });

  it('rejects alg none', async () => {
    flow.server.idTokenSigner = (claims) => `${b64({ alg: 'none' })}.${b64(claims)}.`;
    const { result } = await flow.login();
    await expectCode(result, 'invalid_response');
  });

  it('rejects symmetric HS256 (even signed with a key the attacker chose)', async () => {
    flow.server.metadata.id_token_signing_alg_values_supported = ['RS256', 'HS256'];
    flow.server.idTokenSigner = (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('k'.repeat(32)));
    const { result } = await flow.login();
    await expectCode(result, 'invalid_response');
  });

  it('rejects a signature made with a key that is not in the JWKS', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    flow.server.idTokenSigner = (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
    const { result } = await flow.login();
    await expectCode(result, 'invalid_response');
  });

  it('rejects a tampered payload', async () => {
    const original = flow.server.idToken.bind(flow.server);
    flow.server.idTokenSigner = undefined;
    flow.server.idToken = async (claims) => {
      const [h, , s] = (await original(claims)).split('.');
      return `${h}.${b64({ ...claims, sub: 'mallory' })}.${s}`;
    };
    const { result } = await flow.login();
    await expectCode(result, 'invalid_response');
  });

  it('checks auth_time against max_age', async () => {
    flow.server.idTokenHook = (c) => ({ ...c, auth_time: now() - 3600 });
    const nav = await import('./helpers/browser.js');
    const capture = nav.captureNavigation();
    await flow.client().login({ maxAge: 60 });
    nav.landOn(flow.server.authorize(capture.last() ?? ''));
    await expectCode(flow.client().init(), 'invalid_response');
  });

  // OIDC Core §3.1.3.7 step 12 / docs/security.md P-35: a step-up is complete only with the acr asked for.
  const acrCases: Array<[string, unknown, boolean]> = [
    ['a weaker acr', 'urn:acr:password', false],
    ['no acr', undefined, false],
    ['one of the acr values asked for', 'urn:acr:hwk', true],
  ];
  for (const [name, acr, ok] of acrCases) {
    it(`login({ acrValues }) ${ok ? 'accepts' : 'refuses'} an ID token with ${name}`, async () => {
      flow.server.idTokenHook = (c) => ({ ...c, acr });
      const nav = captureNavigation();
      await flow.client().login({ acrValues: 'urn:acr:mfa urn:acr:hwk' });
      landOn(flow.server.authorize(nav.last() ?? ''));
      const auth = flow.client();
      if (ok) await expect(auth.init()).resolves.toMatchObject({ authenticated: true });
      else await expectCode(auth.init(), 'invalid_response');
      expect(auth.user?.acr).toBe(ok ? acr : undefined);
    });
  }

  it('verifies at_hash when present: a matching one passes, a wrong one is refused', async () => {
    flow.server.atHash = true;
    const ok = await flow.login();
    await expect(ok.result).resolves.toMatchObject({ authenticated: true });
    const { resetPage } = await import('./helpers/browser.js');
    resetPage();
    flow.server.idTokenHook = (c) => ({ ...c, at_hash: 'AAAAAAAAAAAAAAAAAAAAAA' });
    const bad = await flow.login();
    await expectCode(bad.result, 'invalid_response');
  });

  it('accepts a token signed by the JWKS key, with claims within clockTolerance', async () => {
    flow.server.idTokenHook = (c) => ({ ...c, iat: now() + 20, name: 'Alice' });
    const { next, result } = await flow.login();
    await expect(result).resolves.toMatchObject({ authenticated: true });
    expect(next.user).toMatchObject({ sub: 'alice', name: 'Alice' });
  });
});

describe('refreshed ID token (OIDC Core §12.2, docs/security.md P-18)', () => {
  afterEach(() => vi.useRealTimers());
  /** Moves the wall clock only; timers and promises run for real. */
  const advanceClock = (ms: number) => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    vi.setSystemTime(Date.now() + ms);
  };

  /** The provider answered 200 and rotated: the refused answer ends the session, and the old refresh token is never presented again. */
  const expectEnded = async (auth: AuthClient) => {
    const expired = vi.fn();
    auth.on('sessionExpired', expired);
    await expectCode(auth.getAccessToken({ forceRefresh: true }), 'login_required');
    expect(auth.isAuthenticated).toBe(false);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(expired.mock.calls[0]?.[0].error).toMatchObject({ code: 'login_required', message: 'renewal refused' });
    await expectCode(auth.getAccessToken(), 'login_required');
    expect(flow.server.tokenRequests().filter((r) => r.form.get('grant_type') === 'refresh_token')).toHaveLength(1);
  };

  it('refuses a refreshed ID token older than the previous one beyond clockTolerance, and ends the session', async () => {
    const auth = await flow.signedIn();
    flow.server.idTokenHook = (c) => (c.nonce === undefined ? { ...c, iat: now() - 60 } : c); // a refresh: no nonce
    await expectEnded(auth);
  });

  it('accepts a refreshed ID token a little older than the last, within clockTolerance (provider nodes disagree on time)', async () => {
    const auth = await flow.signedIn();
    flow.server.idTokenHook = (c) => (c.nonce === undefined ? { ...c, iat: now() - 5 } : c);
    await auth.getAccessToken({ forceRefresh: true });
    expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[1]);
  });

  it('accepts the same ID token again, as a provider issues within one second, even once the client clock has jumped', async () => {
    const auth = await flow.signedIn();
    const original = flow.server.issued.idTokens[0];
    advanceClock(1500); // the client's clock moved on (or jumped); the provider's second has not
    flow.server.tokenHook = (b, grant) => (grant === 'refresh_token' ? { ...b, id_token: original } : b);
    await auth.getAccessToken({ forceRefresh: true });
    expect(auth.isAuthenticated).toBe(true);
    expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[1]);
  });

  it('accepts new ID tokens issued in the same second as the previous one, even identical ones', async () => {
    advanceClock(0); // the clock stands still: every token has the same iat
    const auth = await flow.signedIn();
    await auth.getAccessToken({ forceRefresh: true });
    await auth.getAccessToken({ forceRefresh: true }); // same claims, same second: the same RS256 token
    expect(flow.server.issued.idTokens[2]).toBe(flow.server.issued.idTokens[1]);
    expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[2]);
  });
});
