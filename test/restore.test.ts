import { describe, expect, it, vi } from 'vitest';
import { APP, captureNavigation, landOn } from './helpers/browser.js';
import { useFlow } from './helpers/flow.js';

const flow = useFlow();
/** Waits until the page has navigated `n` times. */
const navigated = (nav: { all: string[] }, n: number) => vi.waitFor(() => expect(nav.all).toHaveLength(n));

describe('restoreWithRedirect', () => {
  it('tries one top-level prompt=none redirect and comes back to the same page', async () => {
    landOn(`${APP}/orders/42?tab=2`);
    const nav = captureNavigation();
    let settled = false;
    void flow
      .client({ restoreWithRedirect: true })
      .init()
      .finally(() => (settled = true));
    await navigated(nav, 1);
    expect(settled).toBe(false); // the page is leaving: init() never resolves
    const authorize = new URL(nav.last() ?? '');
    expect(authorize.searchParams.get('prompt')).toBe('none');

    // the provider has a session: the callback signs the user in and returns to the page
    landOn(flow.server.authorize(authorize.href));
    await expect(flow.client({ restoreWithRedirect: true }).init()).resolves.toEqual({
      authenticated: true,
      returnTo: '/orders/42?tab=2',
    });
  });

  it('treats login_required as "signed out" and never loops', async () => {
    landOn(`${APP}/orders`);
    const nav = captureNavigation();
    void flow.client({ restoreWithRedirect: true }).init();
    await navigated(nav, 1);
    const authorize = new URL(nav.last() ?? '');
    const state = authorize.searchParams.get('state') ?? '';
    landOn(`${APP}/callback?error=login_required&state=${state}&iss=${encodeURIComponent(flow.server.issuer)}`);
    await expect(flow.client({ restoreWithRedirect: true }).init()).resolves.toEqual({
      authenticated: false,
      returnTo: '/orders',
    });

    // back on the page: no second redirect
    landOn(`${APP}/orders`);
    const before = nav.all.length;
    await expect(flow.client({ restoreWithRedirect: true }).init()).resolves.toEqual({ authenticated: false });
    expect(nav.all).toHaveLength(before);
  });

  it('is off by default', async () => {
    const nav = captureNavigation();
    await expect(flow.client().init()).resolves.toEqual({ authenticated: false });
    expect(nav.all).toHaveLength(0);
  });
});

describe('prompt=none requests and PAR', () => {
  it('skip PAR when the server only advertises it (one round trip less), use it when required', async () => {
    flow.server.metadata.pushed_authorization_request_endpoint = `${flow.server.issuer}/par`;
    const nav = captureNavigation();
    void flow.client({ restoreWithRedirect: true }).init();
    await navigated(nav, 1);
    expect(new URL(nav.last() ?? '').searchParams.get('code_challenge_method')).toBe('S256');
    expect(flow.server.requests.some((r) => r.url.pathname === '/par')).toBe(false);

    window.sessionStorage.clear();
    flow.server.metadata.require_pushed_authorization_requests = true;
    void flow.client({ restoreWithRedirect: true }).init();
    await navigated(nav, 2);
    expect([...new URL(nav.last() ?? '').searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
  });
});
