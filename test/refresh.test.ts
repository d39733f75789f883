import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRefresher } from '../src/refresh.js';
import type { Refresher, RefresherOptions } from '../src/refresh.js';
import { fakeLocks as sharedFakeLocks } from './helpers/locks.js';

type Locks = NonNullable<RefresherOptions['locks']>;

/** The shared fake lock manager, plus a way to hold the lock from "another tab". */
function fakeLocks() {
  const locks = sharedFakeLocks();
  return Object.assign(locks, {
    /** Takes the lock from "another tab" until the returned release() is called. */
    hold: (name: string) =>
      new Promise<() => void>((got) => {
        void locks.request(name, () => new Promise<void>((release) => got(release)));
      }),
  });
}

/** A token endpoint with refresh-token rotation that rejects any reuse of a rotated token. */
function fakeServer() {
  let current = 'rt0';
  const s = { refreshes: 0, replays: 0 };
  return Object.assign(s, {
    async refresh(rt: string) {
      await new Promise((r) => setTimeout(r, 20)); // network
      if (rt !== current) {
        s.replays++;
        throw new Error('invalid_grant');
      }
      current = `rt${++s.refreshes}`;
      return { rt: current, expiresAt: Date.now() + 3_600_000 };
    },
  });
}

type Tokens = { rt: string; expiresAt: number };

type Tab = ReturnType<typeof makeTab>;

/**
 * One "tab": in-memory tokens, a refresher, and a bus that delivers broadcasts to the others
 * after `delay` ms. With `catchUp`, the tab asks the other tabs (the `tabs` list) for their
 * tokens inside the lock and adopts newer ones, as the client does over BroadcastChannel.
 */
function makeTab(
  bus: Array<(t: Tokens) => void>,
  server: ReturnType<typeof fakeServer>,
  locks: Locks | null,
  o: { tabs?: Tab[]; delay?: number } = {},
) {
  const st = { version: 0, rt: 'rt0', expiresAt: Date.now() - 1, runs: 0 };
  const install = (t: Tokens) => {
    st.rt = t.rt;
    st.expiresAt = t.expiresAt;
    st.version++;
  };
  const r: Refresher = createRefresher({
    lockName: 'spa-auth:refresh:test',
    locks,
    version: () => st.version,
    needsRefresh: () => st.expiresAt - 60_000 <= Date.now(),
    run: async () => {
      st.runs++;
      const t = await server.refresh(st.rt);
      install(t);
      for (const deliver of bus) if (deliver !== receive) setTimeout(() => deliver(t), o.delay ?? 5);
    },
    catchUp:
      o.tabs &&
      (async () => {
        await new Promise((res) => setTimeout(res, 1)); // one message round trip
        const newest = o.tabs?.filter((t) => t.st !== st).sort((a, b) => b.st.expiresAt - a.st.expiresAt)[0];
        if (newest && newest.st.expiresAt > st.expiresAt) install({ rt: newest.st.rt, expiresAt: newest.st.expiresAt });
      }),
  });
  const receive = (t: Tokens) => install(t);
  bus.push(receive);
  return { st, r, install };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe.each([
  ['with Web Locks', () => fakeLocks()],
  ['without Web Locks', () => null],
])('in one tab (%s)', (_, mkLocks) => {
  it('50 concurrent refresh() calls run once and share one promise', async () => {
    const server = fakeServer();
    const { st, r } = makeTab([], server, mkLocks());
    const calls = Array.from({ length: 50 }, (_, i) => r.refresh(i % 2 === 0));
    expect(new Set(calls).size).toBe(1);
    await vi.runAllTimersAsync();
    await Promise.all(calls);
    expect(st.runs).toBe(1);
    expect(server.refreshes).toBe(1);
    expect(st.rt).toBe('rt1');
  });

  it('skips the run when tokens are fresh, unless forced', async () => {
    const { st, r } = makeTab([], fakeServer(), mkLocks());
    st.expiresAt = Date.now() + 3_600_000;
    await r.refresh();
    expect(st.runs).toBe(0);
    const p = r.refresh(true);
    await vi.runAllTimersAsync();
    await p;
    expect(st.runs).toBe(1);
  });

  it('a forced call that arrives during a flight does not renew again once the flight installed new tokens', async () => {
    const { st, r } = makeTab([], fakeServer(), mkLocks());
    const first = r.refresh();
    const forced = r.refresh(true); // queued behind the first; the version changes before it looks
    await vi.runAllTimersAsync();
    await Promise.all([first, forced]);
    expect(st.runs).toBe(1);
  });

  it('propagates run() errors to every caller of the flight; the next call retries', async () => {
    const server = fakeServer();
    const { st, r } = makeTab([], server, mkLocks());
    st.rt = 'stolen';
    const calls = [r.refresh(), r.refresh(), r.refresh(true)];
    const settled = Promise.allSettled(calls);
    await vi.runAllTimersAsync();
    const results = await settled;
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new Error('invalid_grant'));
    expect(st.runs).toBe(2); // one unforced flight, one forced flight queued behind it
    st.rt = 'rt0';
    const retry = r.refresh();
    await vi.runAllTimersAsync();
    await retry;
    expect(st.runs).toBe(3);
    expect(st.rt).toBe('rt1');
  });

  it('never runs two flights at once', async () => {
    let active = 0;
    let maxActive = 0;
    let version = 0;
    const r = createRefresher({
      lockName: 'x',
      locks: mkLocks(),
      version: () => version,
      needsRefresh: () => true,
      run: async () => {
        maxActive = Math.max(maxActive, ++active);
        await new Promise((res) => setTimeout(res, 10));
        active--;
      },
    });
    const a = r.refresh();
    version++; // adopted elsewhere: the next caller must not join the stale flight...
    const b = r.refresh();
    await vi.runAllTimersAsync();
    await Promise.all([a, b]);
    expect(maxActive).toBe(1); // ...but it waits for it
  });
});

describe('across tabs (shared Web Lock)', () => {
  /** Two tabs that catch up with each other inside the lock, and whose broadcasts take `delay` ms. */
  function twoTabs(delay: number, catchUp = true) {
    const bus: Array<(t: Tokens) => void> = [];
    const server = fakeServer();
    const locks = fakeLocks();
    const tabs: Tab[] = [];
    const a = makeTab(bus, server, locks, { delay, ...(catchUp && { tabs }) });
    const b = makeTab(bus, server, locks, { delay, ...(catchUp && { tabs }) });
    tabs.push(a, b);
    return { server, a, b };
  }

  it('concurrent refreshes in two tabs: exactly one run, the other tab adopts the result', async () => {
    const { server, a, b } = twoTabs(5);
    const calls = [
      ...Array.from({ length: 10 }, () => a.r.refresh()),
      ...Array.from({ length: 10 }, () => b.r.refresh()),
    ];
    await vi.runAllTimersAsync();
    await Promise.all(calls);
    expect(server.refreshes).toBe(1);
    expect(server.replays).toBe(0);
    expect(a.st.runs + b.st.runs).toBe(1);
    expect(b.st.rt).toBe(a.st.rt);
  });

  it("a tab that takes the lock before the winner's broadcast arrives catches up instead of replaying", async () => {
    const { server, a, b } = twoTabs(500);
    const first = a.r.refresh();
    await vi.advanceTimersByTimeAsync(30); // a renewed and released the lock; its broadcast is still in flight
    expect(server.refreshes).toBe(1);
    const second = b.r.refresh();
    await vi.runAllTimersAsync();
    await Promise.all([first, second]);
    expect(server.replays).toBe(0);
    expect(b.st.runs).toBe(0);
    expect(b.st.rt).toBe('rt1');
  });

  it('without the catch-up the same race replays the rotated token (the test can fail)', async () => {
    const { server, a, b } = twoTabs(500, false);
    const first = a.r.refresh();
    await vi.advanceTimersByTimeAsync(30);
    const second = b.r.refresh().catch(() => undefined);
    await vi.runAllTimersAsync();
    await Promise.all([first, second]);
    expect(server.replays).toBe(1);
  });

  it('refreshes itself when no other tab has newer tokens', async () => {
    const { server, b } = twoTabs(5);
    const p = b.r.refresh();
    await vi.runAllTimersAsync();
    await p;
    expect(server.refreshes).toBe(1);
    expect(b.st.rt).toBe('rt1');
  });

  it('a forced refresh is dropped when the version changed while it waited for the lock', async () => {
    const server = fakeServer();
    const locks = fakeLocks();
    const release = await locks.hold('spa-auth:refresh:test');
    const b = makeTab([], server, locks);
    const p = b.r.refresh(true);
    await vi.advanceTimersByTimeAsync(10);
    b.install({ rt: 'rt1', expiresAt: Date.now() + 3_600_000 }); // the peer's broadcast arrives
    release();
    await vi.runAllTimersAsync();
    await p;
    expect(b.st.runs).toBe(0);
  });

  it('a caller that arrives after a version change does not join the stale flight', async () => {
    const server = fakeServer();
    const locks = fakeLocks();
    const release = await locks.hold('spa-auth:refresh:test');
    const b = makeTab([], server, locks);
    const stale = b.r.refresh(true); // started at version 0
    await vi.advanceTimersByTimeAsync(10);
    b.install({ rt: 'rt0', expiresAt: Date.now() + 3_600_000 }); // adopted: version 1
    const fresh = b.r.refresh(true); // e.g. a 401 on the version-1 token
    release();
    await vi.runAllTimersAsync();
    await Promise.all([stale, fresh]);
    expect(b.st.runs).toBe(1); // the stale flight skipped, the new one renewed
  });
});
