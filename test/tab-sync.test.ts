import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTabSync } from '../src/tab-sync.js';
import type { Tokens as SharedSession } from '../src/session.js';
import type { TabSync, TabSyncOptions } from '../src/tab-sync.js';

/**
 * In-memory BroadcastChannel: structured-clones every message (CryptoKeys included, unlike
 * Node's BroadcastChannel) and delivers it on a later task to every other open instance.
 * `echo` also delivers to the sender, to prove a tab never answers itself.
 */
function fakeBroadcastChannel(echo = false) {
  const open = new Set<Fake>();
  class Fake extends EventTarget {
    onmessage: ((e: MessageEvent) => void) | null = null;
    constructor(readonly name: string) {
      super();
      open.add(this);
    }
    postMessage(data: unknown) {
      if (!open.has(this)) throw new DOMException('closed', 'InvalidStateError');
      for (const c of open) {
        if (c.name !== this.name || (c === this && !echo)) continue;
        const copy = structuredClone(data);
        setTimeout(() => open.has(c) && c.onmessage?.(new MessageEvent('message', { data: copy })), 1);
      }
    }
    close() {
      open.delete(this);
    }
  }
  return Fake as unknown as typeof BroadcastChannel;
}

const CHANNEL = 'spa-auth:test';

function session(over: Partial<SharedSession> = {}): SharedSession {
  return {
    sessionId: 'sid-1',
    accessToken: 'at-1',
    tokenType: 'Bearer',
    expiresAt: 1_900_000_000_000,
    issuedAt: 1_899_999_000_000,
    rotation: 3,
    refreshToken: 'rt-1',
    idToken: 'id.token.sig',
    claims: { sub: 'alice', name: 'Alice' },
    scope: 'openid profile',
    clockOffset: -86_400_000, // a day is the most an offset may be: still carried
    ...over,
  };
}

function makeTab(BC: typeof BroadcastChannel | undefined, have?: SharedSession) {
  const seen: Array<[string, ...unknown[]]> = [];
  const opts: TabSyncOptions = {
    channelName: CHANNEL,
    getSession: vi.fn(() => have),
    onSession: (s, reason) => seen.push(['session', s, reason]),
    onLoggedOut: (sid) => seen.push(['loggedOut', sid]),
    onExpired: (sid, error) => seen.push(['expired', sid, error]),
  };
  if (BC) opts.BroadcastChannel = BC;
  const sync = createTabSync(opts);
  tabs.push(sync);
  return { sync, seen, opts };
}

let tabs: TabSync[] = [];
let BC: typeof BroadcastChannel;
/** A raw sender on the same channel, for hand-made (hostile) messages. */
let raw: BroadcastChannel;

beforeEach(() => {
  vi.useFakeTimers();
  BC = fakeBroadcastChannel();
  raw = new BC(CHANNEL);
});
afterEach(() => {
  for (const t of tabs) t.close();
  tabs = [];
  raw.close();
  vi.useRealTimers();
});

const flush = () => vi.advanceTimersByTimeAsync(10);
const msg = (k: string, extra: Record<string, unknown>) => ({ type: 'spa-auth', v: 1, k, ...extra });

describe('createTabSync', () => {
  it('hands the session of a live tab to a new tab, without calling onSession', async () => {
    const a = makeTab(BC, session());
    const b = makeTab(BC);
    const c = makeTab(BC); // has nothing: stays silent
    const p = b.sync.requestSession(500);
    await flush();
    await expect(p).resolves.toEqual(session());
    expect(a.opts.getSession).toHaveBeenCalledTimes(1);
    expect(c.opts.getSession).toHaveBeenCalledTimes(1);
    expect([...a.seen, ...b.seen, ...c.seen]).toEqual([]);
  });

  it('waits for the expected number of answers and resolves the newest session', async () => {
    // rotation, not the (per-tab) clock, decides which is newer
    makeTab(BC, session({ rotation: 1, issuedAt: 3000, accessToken: 'older' }));
    makeTab(BC, session({ rotation: 3, issuedAt: 1000, accessToken: 'newer' }));
    makeTab(BC, session({ rotation: 2, issuedAt: 2000, accessToken: 'middle' }));
    const b = makeTab(BC);
    const p = b.sync.requestSession(500, 3);
    await flush();
    await expect(p).resolves.toMatchObject({ accessToken: 'newer', rotation: 3 });
  });

  it('resolves what arrived by the timeout when fewer tabs answer than expected', async () => {
    makeTab(BC, session({ issuedAt: 1000, accessToken: 'only' }));
    const b = makeTab(BC);
    let result: SharedSession | undefined;
    void b.sync.requestSession(300, 2).then((s) => (result = s));
    await flush();
    expect(result).toBeUndefined(); // still waiting for the second answer
    await vi.advanceTimersByTimeAsync(300);
    expect(result).toMatchObject({ accessToken: 'only' });
  });

  it('hands over non-extractable DPoP keys, and refuses extractable ones', async () => {
    const alg = { name: 'ECDSA', namedCurve: 'P-256' };
    const good = await crypto.subtle.generateKey(alg, false, ['sign', 'verify']);
    const bad = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    makeTab(BC, session({ tokenType: 'DPoP', dpopKeys: good }));
    const b = makeTab(BC);
    const p = b.sync.requestSession(500);
    await flush();
    const s = await p;
    expect(s?.dpopKeys?.privateKey).toBeInstanceOf(CryptoKey);
    expect(s?.dpopKeys?.privateKey.extractable).toBe(false);
    raw.postMessage(msg('s', { reason: 'refreshed', s: session({ tokenType: 'DPoP', dpopKeys: bad }) }));
    raw.postMessage(
      msg('s', {
        reason: 'refreshed',
        s: session({ tokenType: 'DPoP', dpopKeys: { privateKey: good.publicKey, publicKey: good.publicKey } }),
      }),
    );
    await flush();
    expect(b.seen).toEqual([]);
  });

  it('resolves undefined after timeoutMs when nobody answers', async () => {
    makeTab(BC); // a live tab without a session
    const b = makeTab(BC);
    let result: unknown = 'pending';
    void b.sync.requestSession(300).then((s) => (result = s));
    await vi.advanceTimersByTimeAsync(299);
    expect(result).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toBeUndefined();
  });

  it('takes the first answer only, and ignores answers addressed to another request', async () => {
    makeTab(BC, session({ sessionId: 'first' }));
    const b = makeTab(BC);
    const p = b.sync.requestSession(500);
    raw.postMessage(msg('s', { reason: 'handoff', to: 'someone-else', s: session({ sessionId: 'x' }) }));
    raw.postMessage(msg('s', { reason: 'handoff', s: session({ sessionId: 'y' }) }));
    await flush();
    expect((await p)?.sessionId).toBe('first');
    expect(b.seen).toEqual([]);
  });

  it('never answers its own request', async () => {
    const Echo = fakeBroadcastChannel(true);
    const a = makeTab(Echo, session());
    const p = a.sync.requestSession(100);
    await vi.advanceTimersByTimeAsync(100);
    await expect(p).resolves.toBeUndefined();
    expect(a.opts.getSession).not.toHaveBeenCalled();
  });

  it('delivers refreshed and login broadcasts to the other tabs', async () => {
    const a = makeTab(BC);
    const b = makeTab(BC);
    a.sync.publish(session({ accessToken: 'at-2' }), 'refreshed');
    a.sync.publish(session({ sessionId: 'sid-2' }), 'login');
    await flush();
    expect(b.seen).toEqual([
      ['session', session({ accessToken: 'at-2' }), 'refreshed'],
      ['session', session({ sessionId: 'sid-2' }), 'login'],
    ]);
    expect(a.seen).toEqual([]);
  });

  it('ignores malformed and unknown messages silently', async () => {
    const b = makeTab(BC);
    const bad: unknown[] = [
      null,
      'spa-auth',
      42,
      [],
      [msg('e', { sid: 'x' })],
      {},
      { type: 'other', v: 1, k: 'e', sid: 'x' },
      { type: 'spa-auth', k: 'e', sid: 'x' },
      { type: 'spa-auth', v: 2, k: 'e', sid: 'x' },
      { type: 'spa-auth', v: '1', k: 'e', sid: 'x' },
      msg('zz', { sid: 'x' }),
      msg('e', {}),
      msg('e', { sid: '' }),
      msg('e', { sid: 7 }),
      msg('e', { sid: 'x', error: 42 }),
      msg('e', { sid: 'x', error: '' }),
      msg('s', { reason: 'refreshed' }),
      msg('s', { reason: 'refreshed', s: null }),
      msg('s', { reason: 'refreshed', s: [session()] }),
      msg('s', { reason: 'weird', s: session() }),
      msg('s', { s: session() }),
      ...[
        { sessionId: '' },
        { sessionId: 5 },
        { accessToken: '' },
        { accessToken: undefined },
        { idToken: '' },
        { tokenType: 'bearer' },
        { tokenType: 'MAC' },
        { tokenType: 'DPoP' },
        { expiresAt: Number.NaN },
        { expiresAt: Infinity },
        { expiresAt: '1900000000000' },
        { issuedAt: null },
        { rotation: '1' },
        { refreshToken: '' },
        { refreshToken: 5 },
        { scope: 5 },
        { claims: null },
        { claims: [] },
        { claims: 'alice' },
        { claims: {} },
        { claims: { sub: '' } },
        { claims: { sub: 42 } },
        { dpopKeys: {} },
        { dpopKeys: 'keys' },
        { dpopKeys: { privateKey: 'k', publicKey: 'k' } },
        // the clock offset: a number of ms, at most a day either way
        { clockOffset: '600000' },
        { clockOffset: Number.NaN },
        { clockOffset: null },
        { clockOffset: 86_400_001 },
        { clockOffset: -86_400_001 },
      ].map((over) => msg('s', { reason: 'refreshed', s: { ...session(), ...over } })),
    ];
    for (const m of bad) raw.postMessage(m);
    await flush();
    expect(b.seen).toEqual([]);
    raw.postMessage(msg('s', { reason: 'refreshed', s: session() })); // the channel does work
    await flush();
    expect(b.seen).toHaveLength(1);
  });

  it('drops unknown fields of a session', async () => {
    const b = makeTab(BC);
    raw.postMessage(msg('s', { reason: 'login', s: { ...session(), extra: 'x', __proto__: { polluted: true } } }));
    await flush();
    expect(b.seen[0]?.[1]).toEqual(session());
  });

  it('propagates logout and expiry; late session messages of an ended session are ignored', async () => {
    const a = makeTab(BC, session());
    const b = makeTab(BC, session());
    a.sync.loggedOut('sid-1');
    await flush();
    expect(b.seen).toEqual([['loggedOut', 'sid-1']]);
    // a refresh response of the ended session lands late, in either tab
    raw.postMessage(msg('s', { reason: 'refreshed', s: session({ accessToken: 'late' }) }));
    raw.postMessage(msg('e', { sid: 'sid-1' })); // a duplicate end is not reported twice
    a.sync.publish(session({ accessToken: 'late' }), 'refreshed');
    await flush();
    expect(a.seen).toEqual([]);
    expect(b.seen).toHaveLength(1);
    // nor is the ended session handed to a new tab
    const c = makeTab(BC);
    const p = c.sync.requestSession(100);
    await vi.advanceTimersByTimeAsync(100);
    await expect(p).resolves.toBeUndefined();
    // a new login (new sessionId) is believed again
    a.sync.publish(session({ sessionId: 'sid-2' }), 'login');
    b.sync.expired('sid-2', 'invalid_grant');
    await flush();
    expect(c.seen).toEqual([
      ['session', session({ sessionId: 'sid-2' }), 'login'],
      ['expired', 'sid-2', 'invalid_grant'],
    ]);
    expect(a.seen).toEqual([['expired', 'sid-2', 'invalid_grant']]);
  });

  it('close() stops everything: pending requests resolve undefined, nothing is sent or received', async () => {
    const a = makeTab(BC, session());
    const b = makeTab(BC);
    const p = b.sync.requestSession(10_000);
    b.sync.close();
    await expect(p).resolves.toBeUndefined();
    await expect(b.sync.requestSession(10_000)).resolves.toBeUndefined();
    expect(() => {
      b.sync.publish(session(), 'refreshed');
      b.sync.loggedOut('sid-1');
    }).not.toThrow();
    a.sync.publish(session(), 'refreshed');
    await flush();
    expect(a.seen).toEqual([]);
    expect(b.seen).toEqual([]);
  });

  it('is a harmless no-op without BroadcastChannel', async () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    const { sync } = makeTab(undefined, session());
    await expect(sync.requestSession(10_000)).resolves.toBeUndefined();
    sync.publish(session(), 'login');
    sync.expired('sid-1', 'invalid_grant');
    sync.close();
    vi.unstubAllGlobals();
  });

  it.each([null, undefined])('is switched off by an explicit BroadcastChannel: %s', async (off) => {
    const on = makeTab(undefined, session()); // the platform channel exists
    const sync = createTabSync({ ...on.opts, BroadcastChannel: off as null });
    tabs.push(sync);
    const witness = makeTab(undefined); // a tab on the platform channel
    vi.useRealTimers();
    await expect(sync.requestSession(200)).resolves.toBeUndefined();
    on.sync.publish(session(), 'login');
    await vi.waitFor(() => expect(witness.seen).toHaveLength(1)); // the broadcast is delivered
    expect(on.seen).toEqual([]); // (sync shares on's callbacks: it heard nothing)
  });

  it('works over the platform BroadcastChannel by default', async () => {
    vi.useRealTimers();
    makeTab(undefined, session());
    const b = makeTab(undefined);
    await expect(b.sync.requestSession(2000)).resolves.toEqual(session());
  });
});
