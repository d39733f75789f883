// The tiny entry for the page at silentRedirectUri (spa-auth/silent-callback), through its public
// function: in the hidden iframe it hands the response to the parent with an exact target origin
// and cleans its address bar; at top level it sends a stray response's user on, exactly as the
// full client's init() does there (it runs the same code); otherwise it does nothing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handleSilentCallback, type SilentCallbackOptions } from '../src/silent-callback.js';
import { APP, captureNavigation, landOn, persistedState, transactionKeys } from './helpers/browser.js';
import { initWithErrors, useFlow } from './helpers/flow.js';

const flow = useFlow();
const SILENT = `${APP}/silent`;

/** The options the app gives createAuthClient, silent page included, as the page passes them on. */
const appOptions = (extra: Partial<SilentCallbackOptions> = {}): SilentCallbackOptions => ({
  issuer: flow.server.issuer,
  clientId: flow.server.clientId,
  redirectUri: `${APP}/callback`,
  silentRedirectUri: SILENT,
  scope: 'openid profile offline_access', // an option the page does not read: passed as it is
  ...extra,
});

/** The provider's answer on `page` to a request no login of this tab waits for (a silent one, or one long gone). */
const answerFor = (page: string, extra: Record<string, string> = {}) =>
  flow.server.authorize(
    `${flow.server.issuer}/authorize?redirect_uri=${encodeURIComponent(page)}&state=${'s'.repeat(43)}`,
    extra,
  );

/** Captures `location.replace`, which sends the user on without a history entry. */
function captureReplace() {
  const all: string[] = [];
  vi.spyOn(window.location, 'replace').mockImplementation((url: string | URL) => void all.push(String(url)));
  return all;
}

/** Makes this page a frame whose parent records what it is sent. */
function framed() {
  const parent = { postMessage: vi.fn() };
  Object.defineProperty(window, 'parent', { value: parent, configurable: true });
  return parent;
}

beforeEach(() => {
  // Each page load is a new window; here one window plays them all: forget what a previous page handed up.
  Reflect.deleteProperty(window, Symbol.for('spa-auth.handedUp'));
  return () => void delete (window as { parent?: unknown }).parent;
});
afterEach(() => Reflect.deleteProperty(window, Symbol.for('spa-auth.handedUp')));

describe('in the hidden iframe', () => {
  it('hands the response to the parent with its own origin as the exact target, then cleans the address bar', () => {
    const parent = framed();
    const answer = new URL(answerFor(SILENT));
    landOn(answer.href);
    expect(handleSilentCallback(appOptions())).toBe('posted');
    expect(parent.postMessage).toHaveBeenCalledExactlyOnceWith({ type: 'spa-auth:silent', search: answer.search }, APP);
    expect(window.location.href).toBe(SILENT);
    expect(flow.server.tokenRequests()).toHaveLength(0);
  });

  it('hands an error response up too (login_required: the provider has no session)', () => {
    const parent = framed();
    const search = `?error=login_required&state=${'s'.repeat(43)}&iss=${encodeURIComponent(flow.server.issuer)}`;
    landOn(`${SILENT}${search}`);
    expect(handleSilentCallback(appOptions())).toBe('posted');
    expect(parent.postMessage).toHaveBeenCalledExactlyOnceWith({ type: 'spa-auth:silent', search }, APP);
    expect(window.location.href).toBe(SILENT);
  });

  it('posts once per page: called again, or a full client on the same page, finds it handed up and starts nothing', async () => {
    const parent = framed();
    landOn(answerFor(SILENT));
    expect(handleSilentCallback(appOptions())).toBe('posted');
    expect(handleSilentCallback(appOptions())).toBe('posted');
    const auth = flow.client({ silentRedirectUri: SILENT, silentAuthorization: true });
    await expect(auth.init()).resolves.toEqual({ authenticated: false });
    expect(parent.postMessage).toHaveBeenCalledTimes(1);
    expect(document.querySelector('iframe')).toBeNull();
    expect(flow.server.requests).toHaveLength(0);
  });

  it('posts nothing for a response a login of this tab waits for (its state is here): that is a callback, left to the app', async () => {
    const nav = captureNavigation();
    await flow.client().login({ returnTo: '/inbox' });
    const state = new URL(nav.last() ?? '').searchParams.get('state');
    landOn(`${SILENT}?code=c1&state=${state}`);
    const parent = framed();
    expect(handleSilentCallback(appOptions())).toBe('none');
    expect(parent.postMessage).not.toHaveBeenCalled();
    expect(window.location.href).toBe(`${SILENT}?code=c1&state=${state}`);
    expect(transactionKeys()).toHaveLength(1);
  });

  it.each([
    ['no response on the silent page', () => SILENT],
    ['a code without state', () => `${SILENT}?code=SUMMER24`],
    ["another page's ?code=&state=", () => `${APP}/shop?code=SUMMER24&state=CA`],
  ])('does nothing for %s', (_, url) => {
    const parent = framed();
    landOn(url());
    const before = persistedState();
    expect(handleSilentCallback(appOptions())).toBe('none');
    expect(parent.postMessage).not.toHaveBeenCalled();
    expect(persistedState()).toBe(before);
  });

  it('serves redirectUri when no silentRedirectUri is given, as createAuthClient does', () => {
    const parent = framed();
    landOn(answerFor(`${APP}/callback`));
    const { silentRedirectUri: _, ...withoutSilentPage } = appOptions();
    expect(handleSilentCallback(withoutSilentPage)).toBe('posted');
    expect(parent.postMessage).toHaveBeenCalledTimes(1);
    expect(window.location.href).toBe(`${APP}/callback`);
  });
});

describe('at top level, a stray response (a later login answered with an earlier silent request)', () => {
  it("exchanges nothing, spends the tab's live login and sends the user to its returnTo, where init() reports it once", async () => {
    captureNavigation();
    await flow.client({ silentRedirectUri: SILENT }).login({ returnTo: '/orders/42?tab=2#items' });
    expect(transactionKeys()).toHaveLength(1);
    landOn(answerFor(SILENT));
    const replaced = captureReplace();
    expect(handleSilentCallback(appOptions())).toBe('leaving');
    expect(replaced).toEqual([`${APP}/orders/42?tab=2#items`]);
    expect(window.location.href).toBe(SILENT);
    expect(transactionKeys()).toEqual([]);
    expect(flow.server.tokenRequests()).toHaveLength(0);

    // the note it left: the app's init() where the user lands says what happened, once
    landOn(`${APP}/orders/42?tab=2#items`);
    const { result, errors } = await initWithErrors(flow.client({ silentRedirectUri: SILENT }));
    expect(result).toEqual({ authenticated: false });
    expect(errors.map((e) => e.code)).toEqual(['invalid_state']);
    expect((await initWithErrors(flow.client({ silentRedirectUri: SILENT }))).errors).toEqual([]);
  });

  it('goes to redirectUri when this tab has no live login', () => {
    landOn(answerFor(SILENT));
    const replaced = captureReplace();
    expect(handleSilentCallback(appOptions())).toBe('leaving');
    expect(replaced).toEqual([`${APP}/callback`]);
    expect(window.location.href).toBe(SILENT);
    expect(sessionStorage.getItem(`spa-auth.stray.${flow.server.issuer}`)).toMatch(/^\d+$/);
  });

  it.each(['javascript:alert(document.domain)', '//evil.example/x', 'https://evil.example/x', '/.//evil.example'])(
    'never sends the user off the app for a stored returnTo of %s (another script of this origin wrote it)',
    async (hostile) => {
      captureNavigation();
      await flow.client({ silentRedirectUri: SILENT }).login({ returnTo: '/orders' });
      const [key] = transactionKeys();
      sessionStorage.setItem(key!, JSON.stringify({ ...JSON.parse(sessionStorage.getItem(key!)!), returnTo: hostile }));
      landOn(answerFor(SILENT));
      const replaced = captureReplace();
      expect(handleSilentCallback(appOptions())).toBe('leaving');
      expect(replaced).toHaveLength(1);
      expect(new URL(replaced[0]!).origin).toBe(APP);
    },
  );

  it('makes silent authorization worth trying again when the answer carries a code', () => {
    sessionStorage.setItem(`spa-auth.framed.${flow.server.issuer}`, String(Date.now()));
    landOn(answerFor(SILENT));
    captureReplace();
    expect(handleSilentCallback(appOptions())).toBe('leaving');
    expect(sessionStorage.getItem(`spa-auth.framed.${flow.server.issuer}`)).toBeNull();
  });

  it("leaves another issuer's answer alone", () => {
    landOn(answerFor(SILENT, { iss: 'https://other.example.com' }));
    const before = window.location.href;
    const replaced = captureReplace();
    expect(handleSilentCallback(appOptions())).toBe('none');
    expect(replaced).toEqual([]);
    expect(window.location.href).toBe(before);
  });

  it('does nothing on the silent page without a response', () => {
    landOn(SILENT);
    const replaced = captureReplace();
    const before = persistedState();
    expect(handleSilentCallback(appOptions())).toBe('none');
    expect(replaced).toEqual([]);
    expect(persistedState()).toBe(before);
  });
});
