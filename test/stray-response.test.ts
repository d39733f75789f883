// Authorization responses no live transaction of this tab waits for: a stale callback on the
// redirect URI (reopened, back button, restored tab) and a stray answer on the silent page at
// top level (a provider that answered a later login with the response to an earlier request).
// Neither is exchanged, neither strands the user, and both are reported.
import { describe, expect, it, vi } from 'vitest';
import { APP, captureNavigation, landOn, transactionKeys } from './helpers/browser.js';
import { silentFrames } from './helpers/frames.js';
import { expectCode, expectStale, initWithErrors, useFlow } from './helpers/flow.js';

const flow = useFlow();
const SILENT = `${APP}/silent`;

/** Settles or not, without waiting long: 'pending' if still open after the page's own work. */
async function pending(p: Promise<unknown>) {
  const marker = Symbol('pending');
  await new Promise((r) => setTimeout(r, 50));
  return (await Promise.race([p, Promise.resolve(marker)])) === marker;
}

/** Captures `location.replace`, which sends the user on without a history entry. */
function captureReplace() {
  const all: string[] = [];
  vi.spyOn(window.location, 'replace').mockImplementation((url: string | URL) => void all.push(String(url)));
  return all;
}

/** The provider's answer to a request this tab no longer knows (its state lived in a page long gone). */
const strayAnswer = (page: string) =>
  flow.server.authorize(
    `${flow.server.issuer}/authorize?redirect_uri=${encodeURIComponent(page)}&state=${'s'.repeat(43)}`,
  );

describe('a stale callback on the redirect URI', () => {
  it('keeps a user with a live provider session signed in: silent authorization goes on, the stale code is never sent', async () => {
    const stale = strayAnswer(`${APP}/callback`);
    const staleCode = new URL(stale).searchParams.get('code');
    landOn(stale);
    const frames = silentFrames(flow.server);
    const auth = flow.client({ silentAuthorization: true });
    const done = expectStale(auth, true);
    await frames.waitForFrame();
    frames.answer(); // the provider has a session
    await done;
    expect(auth.isAuthenticated).toBe(true);
    expect(flow.server.tokenRequests().map((r) => r.form.get('code'))).not.toContain(staleCode);
    expect(flow.server.tokenRequests()).toHaveLength(1);
  });

  it('a callback of a live transaction of this tab that fails validation still rejects', async () => {
    const { result } = await flow.login({}, { iss: 'https://evil.example' });
    await expectCode(result, 'invalid_response');
  });
});

describe('a stray answer on the silent page at top level', () => {
  it("exchanges nothing, cleans the address bar and sends the user to the live login's returnTo", async () => {
    const nav = captureNavigation();
    await flow.client({ silentRedirectUri: SILENT }).login({ returnTo: '/orders/42?tab=2#items' });
    expect(nav.all).toHaveLength(1);
    landOn(strayAnswer(SILENT));
    const replaced = captureReplace();
    const init = flow.client({ silentRedirectUri: SILENT }).init();
    await vi.waitFor(() => expect(replaced).toEqual([`${APP}/orders/42?tab=2#items`]));
    expect(await pending(init)).toBe(true); // the page is going away
    expect(window.location.href).toBe(SILENT);
    expect(transactionKeys()).toEqual([]); // the superseded login's transaction is spent
    expect(flow.server.tokenRequests()).toHaveLength(0);

    // where the user lands, init() says what happened and restores as usual
    landOn(`${APP}/orders/42?tab=2#items`);
    const { result, errors } = await initWithErrors(flow.client({ silentRedirectUri: SILENT }));
    expect(result).toEqual({ authenticated: false });
    expect(errors.map((e) => e.code)).toEqual(['invalid_state']);
    // said once
    const again = await initWithErrors(flow.client({ silentRedirectUri: SILENT }));
    expect(again.errors).toEqual([]);
  });

  it('goes to redirectUri without parameters when this tab has no live login', async () => {
    landOn(strayAnswer(SILENT));
    const replaced = captureReplace();
    void flow.client({ silentRedirectUri: SILENT }).init();
    await vi.waitFor(() => expect(replaced).toEqual([`${APP}/callback`]));
    expect(flow.server.tokenRequests()).toHaveLength(0);
  });

  it.each(['javascript:alert(document.domain)', '//evil.example/x', 'https://evil.example/x', '/.//evil.example'])(
    'never sends the user off the app for a stored returnTo of %s (another script of this origin wrote it)',
    async (hostile) => {
      captureNavigation();
      await flow.client({ silentRedirectUri: SILENT }).login({ returnTo: '/orders' });
      const [key] = transactionKeys();
      sessionStorage.setItem(key!, JSON.stringify({ ...JSON.parse(sessionStorage.getItem(key!)!), returnTo: hostile }));
      landOn(strayAnswer(SILENT));
      const replaced = captureReplace();
      void flow.client({ silentRedirectUri: SILENT }).init();
      await vi.waitFor(() => expect(replaced).toHaveLength(1));
      expect(new URL(replaced[0]!).origin).toBe(new URL(APP).origin);
    },
  );

  it('makes silent authorization worth trying again when the answer carries a code', async () => {
    sessionStorage.setItem(`spa-auth.framed.${flow.server.issuer}`, String(Date.now()));
    landOn(strayAnswer(SILENT));
    const replaced = captureReplace();
    void flow.client({ silentRedirectUri: SILENT, silentAuthorization: true }).init();
    await vi.waitFor(() => expect(replaced).toHaveLength(1));
    landOn(replaced[0]!);
    const frames = silentFrames(flow.server);
    const auth = flow.client({ silentRedirectUri: SILENT, silentAuthorization: true });
    const running = initWithErrors(auth);
    await frames.waitForFrame();
    frames.answer();
    const { result, errors } = await running;
    expect(result).toEqual({ authenticated: true });
    expect(errors.map((e) => e.code)).toEqual(['invalid_state']);
  });

  it("leaves another issuer's answer alone", async () => {
    const foreign = new URL(strayAnswer(SILENT));
    foreign.searchParams.set('iss', 'https://other.example.com');
    landOn(foreign.href);
    const replaced = captureReplace();
    await flow.client({ silentRedirectUri: SILENT }).init();
    expect(replaced).toEqual([]);
    expect(window.location.href).toBe(foreign.href);
  });
});
