// init() never rejects outside a callback, but a restore that fails for another reason than
// "no session" is reported as an `error` event: the app can tell a signed-out user from a
// broken configuration.
import { describe, expect, it, vi } from 'vitest';
import { PAGE_LEFT_IN_FRAME, SILENT_MESSAGE } from '../src/silent-auth.js';
import { APP, persistedState } from './helpers/browser.js';
import { silentFrames } from './helpers/frames.js';
import { initWithErrors, useFlow } from './helpers/flow.js';

const flow = useFlow();
const FRAMED_KEY = 'spa-auth.framed.https://id.example.com';

/** Starts init() with silent authorization; `answer(search)` plays the redirect page's message. */
async function silentInit(extra = {}) {
  const frames = silentFrames(flow.server);
  const auth = flow.client({ silentAuthorization: true, ...extra });
  const running = initWithErrors(auth);
  await frames.waitForFrame();
  const state = new URL(frames.current()!.getAttribute('src')!).searchParams.get('state');
  const answer = (q: Record<string, string>) => {
    const search = `?${new URLSearchParams({ ...q, state: state!, iss: flow.server.issuer })}`;
    window.dispatchEvent(
      new MessageEvent('message', {
        origin: APP,
        source: frames.current()!.contentWindow,
        data: { type: SILENT_MESSAGE, search },
      }),
    );
  };
  return { auth, running, frames, answer };
}

describe('restore failures', () => {
  it.each(['login_required', 'interaction_required', 'consent_required', 'account_selection_required'])(
    'the provider\'s "no session" answer %s is no error',
    async (error) => {
      const { running, answer } = await silentInit();
      answer({ error });
      await expect(running).resolves.toEqual({ result: { authenticated: false }, errors: [] });
    },
  );

  it('"no other tab" is no error either', async () => {
    const { running, answer } = await silentInit({ shareSessionAcrossTabs: true });
    answer({ error: 'login_required' });
    await expect(running).resolves.toEqual({ result: { authenticated: false }, errors: [] });
  });

  it('invalid_request (a provider that wants something else) is reported, signed out', async () => {
    const { running, answer } = await silentInit();
    answer({ error: 'invalid_request', error_description: 'id_token mandatory' });
    const { result, errors } = await running;
    expect(result).toEqual({ authenticated: false });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'oauth_error',
      error: 'invalid_request',
      errorDescription: 'id_token mandatory',
    });
    expect(errors[0]?.message).toMatch(/^Silent authorization could not restore the session/);
    expect(flow.server.tokenRequests()).toHaveLength(0);
  });

  it('a silent authorization that times out is reported', async () => {
    const { running } = await silentInit({ silentTimeout: 1 });
    const { result, errors } = await running;
    expect(result).toEqual({ authenticated: false });
    expect(errors.map((e) => e.code)).toEqual(['timeout']);
    expect(document.querySelector('iframe')).toBeNull();
  });

  it('a discovery document that cannot be fetched is reported, naming its URL without query', async () => {
    flow.server.override.set('/.well-known/openid-configuration', () =>
      Promise.reject(new TypeError('Failed to fetch')),
    );
    const { result, errors } = await initWithErrors(flow.client({ silentAuthorization: true }));
    expect(result).toEqual({ authenticated: false });
    expect(errors.map((e) => e.code)).toEqual(['network_error']);
    expect(errors[0]?.message).toContain('https://id.example.com/.well-known/openid-configuration');
    expect(errors[0]?.message).not.toContain('?');
    expect(document.querySelector('iframe')).toBeNull();
  });

  it('a top-level prompt=none redirect that cannot start (discovery fails) is reported', async () => {
    flow.server.override.set('/.well-known/openid-configuration', () => new Response('no', { status: 500 }));
    const { result, errors } = await initWithErrors(flow.client({ restoreWithRedirect: true }));
    expect(result).toEqual({ authenticated: false });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/restoreWithRedirect/);
  });

  it('nothing is reported when logout cancels the restore', async () => {
    const { auth, running } = await silentInit();
    await auth.logout({ localOnly: true });
    await expect(running).resolves.toEqual({ result: { authenticated: false }, errors: [] });
  });
});

describe('a provider that leaves a page in the silent frame', () => {
  /** The frame loads a page of the provider's origin that stays (reading its location throws). */
  function providerPageStays(frames: ReturnType<typeof silentFrames>) {
    const win = frames.current()!.contentWindow!;
    Object.defineProperty(win, 'location', {
      configurable: true,
      get: () => {
        throw new DOMException('cross-origin', 'SecurityError');
      },
    });
    frames.current()!.dispatchEvent(new Event('load'));
  }

  it('is reported and remembered for the tab (a public flag): later loads skip the iframe until a login succeeds', async () => {
    const first = await silentInit();
    providerPageStays(first.frames);
    const { result, errors } = await first.running;
    expect(result).toEqual({ authenticated: false });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'timeout', cause: PAGE_LEFT_IN_FRAME });
    expect(errors[0]?.message).toMatch(/silentAuthorization: false/);
    expect(Number(sessionStorage.getItem(FRAMED_KEY))).toBeGreaterThan(0); // a time, nothing else

    // the next page load of this tab: no iframe, no request to the provider, and it says why
    const created = vi.spyOn(document, 'createElement');
    created.mockClear();
    const requests = flow.server.requests.length;
    const second = await initWithErrors(flow.client({ silentAuthorization: true }));
    expect(second.result).toEqual({ authenticated: false });
    expect(second.errors.map((e) => e.code)).toEqual(['timeout']);
    expect(second.errors[0]?.message).toMatch(/^Silent authorization skipped: .*silentAuthorization: false/);
    expect(created.mock.calls.filter(([tag]) => tag === 'iframe')).toHaveLength(0);
    expect(flow.server.requests.length).toBe(requests);

    // a login in this tab succeeds: silent authorization is tried again
    await flow.signedIn();
    expect(sessionStorage.getItem(FRAMED_KEY)).toBeNull();
    vi.restoreAllMocks(); // a fresh stand-in frame
    const third = await silentInit();
    third.answer({ error: 'login_required' });
    await expect(third.running).resolves.toEqual({ result: { authenticated: false }, errors: [] });
    for (const t of flow.server.issued.accessTokens) expect(persistedState()).not.toContain(t);
  });
});
