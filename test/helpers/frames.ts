import { expect, vi } from 'vitest';
import { SILENT_MESSAGE } from '../../src/silent-auth.js';
import { APP } from './browser.js';
import type { FakeServer } from './fake-server.js';

/**
 * happy-dom loads no iframe: each silent-authorization iframe gets a stand-in window, and
 * `answer()` plays the provider and the redirect page for the current one. Undo with
 * `vi.restoreAllMocks()`.
 */
export function silentFrames(server: FakeServer) {
  const frameWindow = { name: 'silent-frame' } as unknown as Window;
  const create = document.createElement.bind(document);
  vi.spyOn(document, 'createElement').mockImplementation(((tag: string, opts?: ElementCreationOptions) => {
    const el = create(tag, opts);
    if (tag === 'iframe')
      Object.defineProperty(el, 'contentWindow', { get: () => (el.isConnected ? frameWindow : null) });
    return el;
  }) as typeof document.createElement);
  const current = () => document.querySelector('iframe');
  return {
    current,
    waitForFrame: () => vi.waitFor(() => expect(current()?.getAttribute('src')).toBeTruthy()),
    answer() {
      const cb = new URL(server.authorize(current()!.getAttribute('src')!));
      window.dispatchEvent(
        new MessageEvent('message', {
          origin: APP,
          source: frameWindow,
          data: { type: SILENT_MESSAGE, search: cb.search },
        }),
      );
    },
  };
}

/** A `fetch` for the fake server whose token answers wait, once `hold()` was called, until `release()`. */
export function heldTokenAnswers(server: FakeServer) {
  let gate: Promise<void> | undefined;
  let open: () => void = () => {};
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const answer = await server.fetch(input, init);
    if (String(input).endsWith('/token')) await gate;
    return answer;
  }) as typeof globalThis.fetch;
  return {
    fetch,
    hold: () => void (gate = new Promise<void>((r) => (open = r))),
    release: () => open(),
  };
}
