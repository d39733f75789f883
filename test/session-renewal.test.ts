import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthEvents } from '../src/index.js';
import { persistedState } from './helpers/browser.js';
import { expectCode, useFlow } from './helpers/flow.js';
import { heldTokenAnswers } from './helpers/frames.js';

const flow = useFlow();
afterEach(() => vi.useRealTimers());

/** Moves the wall clock only; timers and promises run for real. */
function advanceClock(ms: number) {
  vi.useFakeTimers({ toFake: ['Date', 'performance'] });
  vi.setSystemTime(Date.now() + ms);
}

describe('getAccessToken and refresh', () => {
  it('returns the current token without a request while it is fresh', async () => {
    const auth = await flow.signedIn();
    const before = flow.server.tokenRequests().length;
    await expect(auth.getAccessToken()).resolves.toBe(flow.server.issued.accessTokens[0]);
    expect(flow.server.tokenRequests()).toHaveLength(before);
  });

  it('refreshes within refreshLeeway, rotates the refresh token, and emits tokenRefreshed', async () => {
    const auth = await flow.signedIn({ refreshLeeway: 60 });
    const events: Array<AuthEvents['tokenRefreshed']> = [];
    auth.on('tokenRefreshed', (e) => events.push(e));
    advanceClock(250_000); // 300 s token, 60 s leeway
    const token = await auth.getAccessToken();
    expect(token).toBe(flow.server.issued.accessTokens[1]);
    const refresh = flow.server.tokenRequests().at(-1);
    expect(refresh?.form.get('grant_type')).toBe('refresh_token');
    expect(refresh?.form.get('refresh_token')).toBe(flow.server.issued.refreshTokens[0]);
    expect(events).toHaveLength(1);
    // the next refresh presents the rotated token, never the old one again
    advanceClock(250_000);
    await auth.getAccessToken();
    expect(flow.server.tokenRequests().at(-1)?.form.get('refresh_token')).toBe(flow.server.issued.refreshTokens[1]);
  });

  it('shares one refresh between concurrent callers', async () => {
    const auth = await flow.signedIn();
    advanceClock(290_000);
    const tokens = await Promise.all(Array.from({ length: 25 }, () => auth.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(flow.server.tokenRequests().filter((r) => r.form.get('grant_type') === 'refresh_token')).toHaveLength(1);
  });

  it('forceRefresh renews a fresh token', async () => {
    const auth = await flow.signedIn();
    const token = await auth.getAccessToken({ forceRefresh: true });
    expect(token).toBe(flow.server.issued.accessTokens[1]);
  });

  it('ends the session on invalid_grant: sessionExpired, tokens dropped, login_required', async () => {
    const auth = await flow.signedIn();
    const expired: Array<AuthEvents['sessionExpired']> = [];
    auth.on('sessionExpired', (e) => expired.push(e));
    flow.server.tokenHook = () => Response.json({ error: 'invalid_grant' }, { status: 400 });
    const err = await expectCode(auth.getAccessToken({ forceRefresh: true }), 'login_required');
    expect(err.error).toBe('invalid_grant');
    expect(auth.isAuthenticated).toBe(false);
    expect(auth.user).toBeUndefined();
    expect(expired[0]?.error.error).toBe('invalid_grant');
    await expectCode(auth.getAccessToken(), 'login_required');
  });

  it('keeps a still-valid token when the server is down, and reports it', async () => {
    const auth = await flow.signedIn();
    const errors: unknown[] = [];
    auth.on('error', (e) => errors.push(e));
    flow.server.override.set('/token', () => Promise.reject(new TypeError('Failed to fetch')));
    advanceClock(250_000);
    await expect(auth.getAccessToken()).resolves.toBe(flow.server.issued.accessTokens[0]);
    expect(errors).toHaveLength(1);
    expect(auth.isAuthenticated).toBe(true);
    // once expired, the failure is the caller's
    advanceClock(60_000);
    await expectCode(auth.getAccessToken(), 'network_error');
    expect(auth.isAuthenticated).toBe(true);
    // and the session survives: the server comes back
    flow.server.override.delete('/token');
    const renewed = await auth.getAccessToken();
    expect(renewed).toBe(flow.server.issued.accessTokens[1]);
  });

  it('installs nothing from a refreshed ID token for another user, and ends the session without replaying the refresh token', async () => {
    const auth = await flow.signedIn();
    flow.server.sub = 'mallory';
    const expired = vi.fn();
    auth.on('sessionExpired', expired);
    await expectCode(auth.getAccessToken({ forceRefresh: true }), 'login_required');
    expect(expired.mock.calls[0]?.[0].error).toMatchObject({ code: 'login_required', cause: 'ID token sub changed' });
    expect(auth.user).toBeUndefined();
    await expectCode(auth.getAccessToken(), 'login_required');
    // the provider rotated on its 200: the old refresh token is never presented again
    expect(flow.server.tokenRequests().filter((r) => r.form.get('grant_type') === 'refresh_token')).toHaveLength(1);
  });

  it('keeps the ID token when a refresh response has none', async () => {
    const auth = await flow.signedIn();
    flow.server.tokenHook = (body, grant) => (grant === 'refresh_token' ? { ...body, id_token: undefined } : body);
    await auth.getAccessToken({ forceRefresh: true });
    expect(auth.user?.sub).toBe('alice');
  });

  it('discards a refresh response that arrives after logout, and revokes its refresh token', async () => {
    const held = heldTokenAnswers(flow.server);
    const auth = await flow.signedIn({ fetch: held.fetch });
    held.hold();
    const pending = auth.getAccessToken({ forceRefresh: true }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(flow.server.issued.refreshTokens).toHaveLength(2)); // rotated; the answer is on its way
    await auth.logout({ localOnly: true });
    held.release();
    await pending;
    expect(auth.isAuthenticated).toBe(false);
    await expectCode(auth.getAccessToken(), 'login_required');
    // logout revoked the refresh token it knew; the one the late answer brought belongs to nobody: revoked too
    const revoked = () =>
      flow.server.requests.filter((r) => r.url.pathname === '/revoke').map((r) => r.form.get('token'));
    await vi.waitFor(() => expect(revoked()).toEqual(flow.server.issued.refreshTokens));
  });

  it('never stores tokens, even after refreshes', async () => {
    const auth = await flow.signedIn();
    await auth.getAccessToken({ forceRefresh: true });
    const persisted = persistedState();
    for (const t of [
      ...flow.server.issued.accessTokens,
      ...flow.server.issued.refreshTokens,
      ...flow.server.issued.idTokens,
    ]) {
      expect(persisted).not.toContain(t);
    }
    expect(JSON.stringify(auth)).not.toContain(flow.server.issued.accessTokens[1]);
  });
});

describe('logout', () => {
  it('revokes the refresh token, clears the session and redirects to end_session with id_token_hint', async () => {
    const auth = await flow.signedIn();
    const { captureNavigation } = await import('./helpers/browser.js');
    const nav = captureNavigation();
    const loggedOut = vi.fn();
    auth.on('loggedOut', loggedOut);
    await auth.logout();
    const revoked = flow.server.requests.filter((r) => r.url.pathname === '/revoke');
    expect(revoked.map((r) => r.form.get('token_type_hint'))).toContain('refresh_token');
    expect(revoked.map((r) => r.form.get('token'))).toContain(flow.server.issued.refreshTokens[0]);
    expect(auth.isAuthenticated).toBe(false);
    expect(loggedOut).toHaveBeenCalledTimes(1);
    const url = new URL(nav.last() ?? '');
    expect(url.origin + url.pathname).toBe(`${flow.server.issuer}/logout`);
    expect(url.searchParams.get('id_token_hint')).toBe(flow.server.issued.idTokens[0]);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe('https://app.example.com/');
    for (const t of [...flow.server.issued.accessTokens, ...flow.server.issued.refreshTokens])
      expect(url.href).not.toContain(t);
  });

  it('localOnly skips the redirect', async () => {
    const auth = await flow.signedIn();
    const { captureNavigation } = await import('./helpers/browser.js');
    const nav = captureNavigation();
    await auth.logout({ localOnly: true });
    expect(nav.all).toHaveLength(0);
    expect(auth.isAuthenticated).toBe(false);
  });

  it('still logs out locally when revocation fails', async () => {
    const auth = await flow.signedIn();
    flow.server.override.set('/revoke', () => Promise.reject(new TypeError('Failed to fetch')));
    await auth.logout({ localOnly: true });
    expect(auth.isAuthenticated).toBe(false);
  });
});

describe('renewAt (the due time, with the per-tab jitter)', () => {
  it('is leeway before expiry minus a lead of at most 5 s, for every jitter', async () => {
    const { renewAt } = await import('../src/renewal.js');
    const hour = { issuedAt: 0, expiresAt: 3_600_000 };
    for (const j of [0, 0.25, 0.5, 0.999999]) {
      const at = renewAt(hour, 60_000, j) ?? NaN;
      expect(at).toBeLessThanOrEqual(3_600_000 - 60_000);
      expect(at).toBeGreaterThan(3_600_000 - 60_000 - 5000);
    }
  });

  it('renews short tokens at half-life, with a lead of at most a tenth of the lifetime', async () => {
    const { renewAt } = await import('../src/renewal.js');
    const short = { issuedAt: 0, expiresAt: 8000 };
    expect(renewAt(short, 60_000, 0)).toBe(4000);
    expect(renewAt(short, 60_000, 0.999999)).toBeGreaterThan(4000 - 800);
    expect(renewAt(undefined, 60_000, 0.5)).toBeUndefined();
  });
});
