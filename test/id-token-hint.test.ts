/**
 * OIDC Core §3.1.2.1: a `prompt=none` request made while the tab holds an ID token carries it
 * as `id_token_hint` (some providers, e.g. Glewlwyd, refuse `prompt=none` without it).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureNavigation } from './helpers/browser.js';
import { useFlow } from './helpers/flow.js';
import { silentFrames } from './helpers/frames.js';

const flow = useFlow();
afterEach(() => document.body.replaceChildren());

describe('id_token_hint on prompt=none', () => {
  it('a silent renewal through the iframe sends the ID token the tab holds, and the renewed one next time', async () => {
    flow.server.tokenHook = (b) => ({ ...b, refresh_token: undefined });
    const auth = await flow.signedIn({ silentAuthorization: true });
    const frames = silentFrames(flow.server);
    const received: Array<string | null> = [];
    for (let i = 0; i < 2; i++) {
      const renewed = auth.getAccessToken({ forceRefresh: true });
      await frames.waitForFrame();
      const sent = new URL(frames.current()!.getAttribute('src')!).searchParams;
      expect(sent.get('prompt')).toBe('none');
      received.push(sent.get('id_token_hint'));
      frames.answer();
      await renewed;
    }
    expect(received).toEqual(flow.server.issued.idTokens.slice(0, 2));
  });

  it('login({ prompt: "none" }) while signed in sends it; an interactive login does not', async () => {
    const auth = await flow.signedIn();
    const nav = captureNavigation();
    await auth.login({ prompt: 'none' });
    await auth.login();
    await auth.login({ prompt: 'login' });
    const hints = nav.all.map((u) => new URL(u).searchParams.get('id_token_hint'));
    expect(hints).toEqual([flow.server.issued.idTokens[0], null, null]);
  });

  it('a restore with no session sends none, and extraParams cannot set one', async () => {
    const auth = flow.client({ silentAuthorization: true, extraParams: { id_token_hint: 'forged' } });
    const frames = silentFrames(flow.server);
    const restored = auth.init();
    await frames.waitForFrame();
    expect(new URL(frames.current()!.getAttribute('src')!).searchParams.has('id_token_hint')).toBe(false);
    auth.destroy();
    await restored.catch(() => undefined);
    vi.restoreAllMocks();
  });
});
