import { describe, expect, it } from 'vitest';
import { captureNavigation, landOn, transactionKeys } from './helpers/browser.js';
import { expectCode, useFlow } from './helpers/flow.js';

const flow = useFlow();

/** login({ appState }) on one page, the callback on the next; resolves init()'s result and the authorization URL. */
async function roundTrip(appState: unknown) {
  const nav = captureNavigation();
  await flow.client().login({ appState });
  const url = nav.last()!;
  landOn(flow.server.authorize(url));
  return { url, result: await flow.client().init() };
}

describe('appState', () => {
  it('is handed back by init() after the callback, and is never sent to the provider', async () => {
    const appState = { page: 'orders', filter: 'späť', n: [1, 2, null], ok: true };
    const { url, result } = await roundTrip(appState);
    expect(result).toEqual({ authenticated: true, appState });
    // not in the authorization request, in any encoding; state stays random
    expect(decodeURIComponent(url)).not.toContain('orders');
    expect(new URL(url).searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    for (const r of flow.server.requests)
      expect(decodeURIComponent(r.url.href + r.form.toString())).not.toContain('orders');
    expect(transactionKeys()).toEqual([]);
  });

  it('takes any JSON value: a string, a number, null, false', async () => {
    for (const value of ['back to /cart', 42, null, false]) {
      const { result } = await roundTrip(value);
      expect(result.appState).toEqual(value);
    }
  });

  it('counts UTF-8 bytes of the JSON: 4,096 are accepted, 4,097 are not', async () => {
    // 'é' is two bytes: 2,047 of them plus two quotes make 4,096 bytes (but only 2,049 characters)
    const { result } = await roundTrip('é'.repeat(2047));
    expect(result.appState).toBe('é'.repeat(2047));
    const nav = captureNavigation();
    const err = await expectCode(flow.client().login({ appState: 'é'.repeat(2047) + 'x' }), 'invalid_config');
    expect(err.message).toMatch(/appState/);
    expect(nav.all).toEqual([]);
    expect(transactionKeys()).toEqual([]);
  });

  it('refuses what JSON cannot carry: a cycle, a BigInt, a function, a symbol', async () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const nav = captureNavigation();
    for (const value of [cycle, 10n, () => 1, Symbol('s')])
      await expectCode(flow.client().login({ appState: value }), 'invalid_config');
    expect(nav.all).toEqual([]);
    expect(transactionKeys()).toEqual([]);
  });

  it('without appState, init() hands back none', async () => {
    const { result } = await roundTrip(undefined);
    expect(result.appState).toBeUndefined();
  });
});
