import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScheduler } from '../src/scheduler.js';
import type { Scheduler, SchedulerOptions } from '../src/scheduler.js';
import { MAX_TIMER_DELAY } from '../src/clock.js';

const T0 = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

let made: Scheduler[] = [];
/** A scheduler with a fixed Math.random (backoff) on the page's window and document. */
function make(o: SchedulerOptions, random = 0) {
  vi.spyOn(Math, 'random').mockReturnValue(random);
  const s = createScheduler(o);
  made.push(s);
  return s;
}

function setup(over: Partial<SchedulerOptions> & { due?: number | undefined; random?: number } = {}) {
  const calls: number[] = [];
  let due: number | undefined = 'due' in over ? over.due : T0 + 60_000;
  const { random, ...opts } = over;
  delete opts.due;
  const s = make({ now: () => Date.now(), dueAt: () => due, onDue: () => calls.push(Date.now()), ...opts }, random);
  return { s, calls, setDue: (d: number | undefined) => (due = d) };
}

/** A wake event as the browser fires it: visibilitychange at the document (it bubbles to the window), the others at the window. */
const wake = (type: string) =>
  (type === 'visibilitychange' ? document : window).dispatchEvent(new Event(type, { bubbles: true }));

/** A sleeping tab: the wall clock moves, timers do not fire. */
const sleepFor = (ms: number) => vi.setSystemTime(Date.now() + ms);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  for (const s of made) s.stop();
  made = [];
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('createScheduler', () => {
  it('starts nothing before start(), and arms no timer without a session', () => {
    const { s, calls } = setup({ due: T0 - 1 });
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(calls).toEqual([]);
    const none = setup({ due: undefined });
    none.s.start();
    expect(vi.getTimerCount()).toBe(0);
    s.start();
    vi.advanceTimersByTime(0);
    expect(calls).toEqual([T0 + 10_000]);
  });

  it('fires once at the due time', () => {
    const { s, calls } = setup({});
    s.start();
    vi.advanceTimersByTime(59_999);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([T0 + 60_000]);
  });

  it('clamps huge delays: a due time 30 days away does not fire early', () => {
    const { s, calls } = setup({ due: T0 + 30 * DAY });
    const timeouts = vi.spyOn(globalThis, 'setTimeout');
    s.start();
    expect(timeouts.mock.calls.map((c) => c[1])).toEqual([MAX_TIMER_DELAY]); // never an overflowing delay
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(MAX_TIMER_DELAY); // the clamped timer fires and re-arms
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(30 * DAY - MAX_TIMER_DELAY - 1001);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([T0 + 30 * DAY]);
  });

  it.each([
    ['focus', 'win'],
    ['pageshow', 'win'],
    ['online', 'win'],
    ['visibilitychange', 'doc'],
  ] as const)('re-checks the wall clock on %s (at the %s) after the tab slept', (type, _target) => {
    const ctx = setup({});
    ctx.s.start();
    sleepFor(120_000);
    expect(ctx.calls).toEqual([]);
    wake(type);
    expect(ctx.calls).toEqual([T0 + 120_000]);
  });

  it('ignores visibilitychange while hidden, and re-arms on a wake before the due time', () => {
    const { s, calls } = setup({});
    s.start();
    sleepFor(30_000);
    wake('focus'); // not due yet: re-armed from the real clock
    vi.advanceTimersByTime(29_999);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([T0 + 60_000]);
    s.stop();
    const other = setup({});
    other.s.start();
    sleepFor(120_000);
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    wake('visibilitychange');
    expect(other.calls).toEqual([]);
    visibility.mockReturnValue('visible');
    wake('visibilitychange');
    expect(other.calls).toHaveLength(1);
  });

  it('keeps 2 s between calls even when every renewal is due at once', () => {
    // expires_in≈0: every new token is due immediately; the client reschedules after each one.
    const calls: number[] = [];
    const s = make({
      now: () => Date.now(),
      dueAt: () => calls.length + T0, // a new due value after every call, always in the past
      onDue: () => {
        calls.push(Date.now());
        s.reschedule();
      },
    });
    s.start();
    vi.advanceTimersByTime(10_000);
    expect(calls).toEqual([T0, T0 + 2000, T0 + 4000, T0 + 6000, T0 + 8000, T0 + 10_000]);
    wake('focus'); // a wake inside the interval does not bypass it
    wake('online');
    expect(calls).toHaveLength(6);
  });

  it('retries with growing backoff while dueAt() does not change, and resets on new tokens', () => {
    const { s, calls, setDue } = setup({ due: T0, random: 1 });
    s.start();
    vi.advanceTimersByTime(40_000);
    // attempt n waits max(2000, 1000 * 2^n): 2000, 2000, 4000, 8000, 16000
    expect(calls.map((t) => t - T0)).toEqual([0, 2000, 4000, 8000, 16_000, 32_000]);
    setDue(T0 + 40_000); // new tokens, already due: backoff resets to the min interval
    s.reschedule();
    vi.advanceTimersByTime(0);
    expect(calls.at(-1)).toBe(T0 + 40_000);
  });

  it('a wall clock set back a day after a renewal does not hold the next one back by a day', () => {
    const { s, calls, setDue } = setup();
    s.start();
    vi.advanceTimersByTime(60_000);
    expect(calls).toHaveLength(1);
    // NTP or the user corrects the clock by a day; the renewal's new tokens are due in 55 minutes
    vi.setSystemTime(Date.now() - DAY);
    setDue(Date.now() + 55 * 60_000);
    s.reschedule();
    vi.advanceTimersByTime(55 * 60_000 - 1);
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(calls).toHaveLength(2);
  });

  it('stop() clears the timer and every listener; nothing fires afterwards', () => {
    const { s, calls } = setup({});
    const removed = vi.spyOn(globalThis, 'removeEventListener');
    s.start();
    expect(vi.getTimerCount()).toBe(1);
    s.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(removed.mock.calls.map((c) => c[0]).sort()).toEqual(['focus', 'online', 'pageshow', 'visibilitychange']);
    sleepFor(120_000);
    for (const t of ['focus', 'pageshow', 'online', 'visibilitychange']) wake(t);
    s.reschedule();
    vi.advanceTimersByTime(DAY);
    expect(calls).toEqual([]);
    s.start(); // can be started again
    vi.advanceTimersByTime(0);
    expect(calls).toHaveLength(1);
  });

  it('start() is idempotent (one set of listeners, one timer)', () => {
    const { s, calls } = setup({});
    s.start();
    s.start();
    expect(vi.getTimerCount()).toBe(1);
    sleepFor(120_000);
    wake('focus');
    expect(calls).toHaveLength(1);
  });

  it('reschedule() re-reads dueAt()', () => {
    const { s, calls, setDue } = setup({});
    s.start();
    setDue(T0 + 5000);
    s.reschedule();
    vi.advanceTimersByTime(5000);
    expect(calls).toEqual([T0 + 5000]);
    setDue(undefined); // session cleared
    s.reschedule();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('listens on the global window', () => {
    const calls: number[] = [];
    const s = createScheduler({ now: () => Date.now(), dueAt: () => T0 + 1000, onDue: () => calls.push(1) });
    s.start();
    sleepFor(5000);
    window.dispatchEvent(new Event('focus'));
    expect(calls).toHaveLength(1);
    s.stop();
    sleepFor(5000);
    window.dispatchEvent(new Event('focus'));
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    expect(calls).toHaveLength(1);
  });
});

describe('retry backoff', () => {
  it('waits random() * min(60 s, 1 s * 2^attempt), never less than 2 s', () => {
    const top = setup({ due: T0, random: 1 });
    top.s.start();
    vi.advanceTimersByTime(300_000);
    // 1000 * 2^n for n = 0..5 (floored at 2000), then capped at 60000
    expect(top.calls.map((t) => t - T0)).toEqual([
      0, 2000, 4000, 8000, 16_000, 32_000, 64_000, 124_000, 184_000, 244_000,
    ]);
    top.s.stop();
    vi.setSystemTime(T0);
    const low = setup({ due: T0, random: 0 });
    low.s.start();
    vi.advanceTimersByTime(10_000);
    expect(low.calls.map((t) => t - T0)).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
  });
});
