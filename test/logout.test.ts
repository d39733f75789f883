/**
 * Logout as a provider sees it: a fresh `state` with the end-session request (OpenID
 * RP-Initiated Logout §2), checked on the page the user comes back to; a revocation that
 * fails still clears everything here and is reported.
 */
import { describe, expect, it, vi } from 'vitest';
import type { AuthError } from '../src/index.js';
import { APP, captureNavigation, landOn, persistedState } from './helpers/browser.js';
import { useFlow } from './helpers/flow.js';

const flow = useFlow();

/** Signs in, logs out, and returns the `state` the end-session request carried. */
async function logoutState(): Promise<string> {
  const auth = await flow.signedIn();
  const nav = captureNavigation();
  await auth.logout();
  const url = new URL(nav.last() ?? '');
  expect(url.pathname).toBe('/logout');
  return url.searchParams.get('state') ?? '';
}

/** A fresh page on `url`: init() and the error events it emitted. */
async function returnTo(url: string) {
  landOn(url);
  const page = flow.client();
  const errors: AuthError[] = [];
  page.on('error', (e) => errors.push(e));
  const result = await page.init();
  return { result, errors, href: window.location.href };
}

describe('logout state (RP-Initiated Logout §2)', () => {
  it('sends a fresh state of 256 bits each time, kept only in this tab', async () => {
    const first = await logoutState();
    expect(first).toMatch(/^[\w-]{43}$/);
    expect(persistedState()).toContain(first); // sessionStorage, public and one-shot
    const second = await logoutState();
    expect(second).not.toBe(first);
  });

  it('the post-logout page takes its state out of the address bar, and says nothing when it matches', async () => {
    const state = await logoutState();
    const { result, errors, href } = await returnTo(`${APP}/?state=${state}&tab=2`);
    expect(result).toEqual({ authenticated: false });
    expect(errors).toEqual([]);
    expect(href).toBe(`${APP}/?tab=2`);
    expect(persistedState()).not.toContain(state);
  });

  it('a mismatch, a state never sent, or the same return again: an invalid_state error event, never a rejection', async () => {
    const state = await logoutState();
    const mismatch = await returnTo(`${APP}/?state=forged`);
    expect(mismatch.errors.map((e) => e.code)).toEqual(['invalid_state']);
    expect(mismatch.href).toBe(`${APP}/`);
    expect(mismatch.result).toEqual({ authenticated: false });
    // what was kept was spent by that visit: the right state now is unknown too
    const replay = await returnTo(`${APP}/?state=${state}`);
    expect(replay.errors.map((e) => e.code)).toEqual(['invalid_state']);
    expect(replay.errors[0]?.message).toContain(`${APP}/`);
  });

  it('a page that is not postLogoutRedirectUri keeps its own state parameter', async () => {
    await logoutState();
    const other = await returnTo(`${APP}/orders?state=shipped`);
    expect(other.errors).toEqual([]);
    expect(other.href).toBe(`${APP}/orders?state=shipped`);
  });

  it('a login callback on the same page is not mistaken for a logout return', async () => {
    const { next, result } = await flow.login({ redirectUri: `${APP}/` });
    const errors: AuthError[] = [];
    next.on('error', (e) => errors.push(e));
    await expect(result).resolves.toMatchObject({ authenticated: true });
    expect(errors).toEqual([]);
  });
});

describe('revocation that fails', () => {
  it.each([
    [
      'a 401 from a server demanding client authentication',
      () => Response.json({ error: 'invalid_client' }, { status: 401 }),
      'oauth_error',
    ],
    ['a network failure', () => Promise.reject(new TypeError('Failed to fetch')), 'network_error'],
    ['a 503 without a body', () => new Response(null, { status: 503 }), 'invalid_response'],
  ] as const)('%s: cleared here all the same, and reported as an error event', async (_, answer, code) => {
    const auth = await flow.signedIn();
    const errors: AuthError[] = [];
    auth.on('error', (e) => errors.push(e));
    const loggedOut = vi.fn();
    auth.on('loggedOut', loggedOut);
    flow.server.override.set('/revoke', answer);
    const nav = captureNavigation();
    await auth.logout();
    expect({ authenticated: auth.isAuthenticated, loggedOut: loggedOut.mock.calls.length }).toEqual({
      authenticated: false,
      loggedOut: 1,
    });
    expect(errors.map((e) => e.code)).toEqual([code]);
    expect(errors[0]?.message).toContain(`${flow.server.issuer}/revoke`);
    for (const t of flow.server.issued.refreshTokens)
      expect(`${errors[0]?.message} ${errors[0]?.cause}`).not.toContain(t);
    expect(nav.last()).toContain('/logout'); // the end-session redirect still happens
  });

  it('a 200 is a success, and a server without a revocation endpoint reports nothing', async () => {
    for (const metadata of [{}, { revocation_endpoint: undefined }]) {
      Object.assign(flow.server.metadata, metadata);
      const auth = await flow.signedIn();
      const errors: AuthError[] = [];
      auth.on('error', (e) => errors.push(e));
      await auth.logout({ localOnly: true });
      expect(errors).toEqual([]);
    }
  });
});
