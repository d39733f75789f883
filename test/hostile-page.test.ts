/**
 * A hostile page or link (docs/security.md P-02, P-06, P-31): returnTo encodings, callback URLs with
 * repeated parameters, and spoofed silent-authorization messages.
 */
import { describe, expect, it } from 'vitest';
import { APP, captureNavigation, landOn, transactionKeys } from './helpers/browser.js';
import { expectCode, useFlow } from './helpers/flow.js';
import { silentFrames } from './helpers/frames.js';
import { SILENT_MESSAGE } from '../src/silent-auth.js';

const flow = useFlow();

describe('returnTo encodings (P-06)', () => {
  const refused = [
    '//evil.example',
    '/\\evil.example',
    '\\/evil.example',
    '/\t/evil.example',
    ' //evil.example',
    '\n//evil.example',
    'javascript:alert(1)',
    'https://app.example.com@evil.example/',
    'data:text/html,x',
    'blob:https://app.example.com/x',
    'http://app.example.com/',
  ];
  for (const value of refused) {
    it(`refuses ${JSON.stringify(value)}`, async () => {
      captureNavigation();
      await expectCode(flow.client().login({ returnTo: value }), 'invalid_config');
    });
  }
  const kept: Array<[string, string]> = [
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/%5C%5Cevil.example', '/%5C%5Cevil.example'],
    ['/a/..//evil.example', '/evil.example'],
    ['/.//evil.example?x=1#y', '/evil.example?x=1#y'],
  ];
  for (const [value, back] of kept) {
    it(`hands ${JSON.stringify(value)} back as a path that stays on the origin`, async () => {
      const nav = captureNavigation();
      await flow.client().login({ returnTo: value });
      landOn(flow.server.authorize(nav.last() ?? ''));
      const { returnTo } = await flow.client().init();
      expect(returnTo).toBe(back);
      expect(new URL(returnTo!, APP).origin).toBe(APP);
    });
  }
});

describe('callback URLs with repeated parameters (P-02, P-03)', () => {
  for (const dup of ['code', 'state', 'iss']) {
    it(`refuses a callback with two ${dup} values, exchanges nothing, and spends the state`, async () => {
      const nav = captureNavigation();
      await flow.client().login();
      const cb = new URL(flow.server.authorize(nav.last() ?? ''));
      cb.searchParams.append(dup, dup === 'iss' ? 'https://evil.example' : 'other');
      landOn(cb.href);
      await expectCode(flow.client().init(), 'invalid_response');
      expect(flow.server.tokenRequests()).toHaveLength(0);
      expect(transactionKeys()).toEqual([]);
      expect(window.location.search).toBe('');
    });
  }
});

describe('spoofed silent-authorization answers (P-31)', () => {
  it('ignores the right shape from the wrong origin, the wrong source, or a near-miss shape; takes the real one', async () => {
    const frames = silentFrames(flow.server);
    const auth = flow.client({ silentAuthorization: true });
    const init = auth.init();
    await frames.waitForFrame();
    const cb = new URL(flow.server.authorize(frames.current()!.getAttribute('src')!));
    const frameWindow = frames.current()!.contentWindow;
    const spoof = (origin: string, source: unknown, data: unknown) =>
      window.dispatchEvent(new MessageEvent('message', { origin, source: source as Window, data }));
    spoof('https://evil.example', frameWindow, { type: SILENT_MESSAGE, search: cb.search });
    spoof('https://app.example.com.evil.example', frameWindow, { type: SILENT_MESSAGE, search: cb.search });
    spoof(APP, window, { type: SILENT_MESSAGE, search: cb.search });
    spoof(APP, null, { type: SILENT_MESSAGE, search: cb.search });
    spoof(APP, frameWindow, { type: SILENT_MESSAGE, search: { toString: () => cb.search } });
    spoof(APP, frameWindow, { type: 'spa-auth:silent ', search: cb.search });
    spoof(APP, frameWindow, JSON.stringify({ type: SILENT_MESSAGE, search: cb.search }));
    await new Promise((r) => setTimeout(r, 0)); // a token request would have started by now
    expect(flow.server.tokenRequests()).toHaveLength(0);
    expect(frames.current()).not.toBeNull();
    frames.answer();
    await expect(init).resolves.toEqual({ authenticated: true });
  });
});
