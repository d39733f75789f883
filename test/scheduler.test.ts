import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, createScheduler } from '../src/scheduler.js';
import type { SchedulerOptions } from '../src/scheduler.js';
import { MAX_TIMER_DELAY } from '../src/clock.js';

const T0 = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

function setup(over: Partial<SchedulerOptions> & { due?: number | undefined } = {}) {
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  const calls: number[] = [];
  let due: number | undefined = 'due' in over ? over.due : T0 + 60_000;
  const s = createScheduler({
    now: () => Date.now(),
    dueAt: () => due,
    onDue: () => calls.push(Date.now()),
    random: () => 0,
    win,
    doc,
    ...over,
  });
  return { s, win, doc, calls, setDue: (d: number | undefined) => (due = d) };
}

/** A sleeping tab: the wall clock moves, timers do not fire. */
const sleepFor = (ms: number) => vi.setSystemTime(Date.now() + ms);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
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

  it('fires once at the due time (no jitter)', () => {
    const { s, calls } = setup({ jitterMs: 0 });
    s.start();
    vi.advanceTimersByTime(59_999);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([T0 + 60_000]);
  });

  it('keeps the jittered fire time within [due - jitterMs, due]', () => {
    for (const r of [0, 0.001, 0.25, 0.5, 0.75, 0.999999]) {
      vi.setSystemTime(T0);
      const { s, calls } = setup({ jitterMs: 5000, random: () => r });
      s.start();
      vi.advanceTimersByTime(60_000);
      s.stop();
      expect(calls.length).toBeGreaterThan(0);
      const at = calls[0]!;
      expect(at).toBeGreaterThanOrEqual(T0 + 60_000 - 5000);
      expect(at).toBeLessThanOrEqual(T0 + 60_000);
      expect(at).toBe(T0 + 60_000 - Math.floor(r * 5000));
    }
  });

  it('defaults to a jitter of at most 5 s', () => {
    const { s, calls } = setup({ random: () => 0.999999 });
    s.start();
    vi.advanceTimersByTime(54_999);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(2);
    expect(calls).toHaveLength(1);
  });

  it('clamps huge delays: a due time 30 days away does not fire early', () => {
    const { s, calls } = setup({ due: T0 + 30 * DAY, jitterMs: 0 });
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
  ] as const)('re-checks the wall clock on %s after the tab slept', (type, where) => {
    const ctx = setup({ jitterMs: 0 });
    ctx.s.start();
    sleepFor(120_000);
    expect(ctx.calls).toEqual([]);
    ctx[where].dispatchEvent(new Event(type));
    expect(ctx.calls).toEqual([T0 + 120_000]);
  });

  it('ignores visibilitychange while hidden, and re-arms on a wake before the due time', () => {
    const { s, win, calls } = setup({ jitterMs: 0 });
    s.start();
    sleepFor(30_000);
    win.dispatchEvent(new Event('focus')); // not due yet: re-armed from the real clock
    vi.advanceTimersByTime(29_999);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([T0 + 60_000]);
    s.stop();
    const other = setup({ jitterMs: 0 });
    other.s.start();
    sleepFor(120_000);
    other.doc.visibilityState = 'hidden';
    other.doc.dispatchEvent(new Event('visibilitychange'));
    expect(other.calls).toEqual([]);
    other.doc.visibilityState = 'visible';
    other.doc.dispatchEvent(new Event('visibilitychange'));
    expect(other.calls).toHaveLength(1);
  });

  it('keeps minIntervalMs between calls even when every renewal is due at once', () => {
    // expires_in≈0: every new token is due immediately; the client reschedules after each one.
    const ctx = setup({ jitterMs: 0, minIntervalMs: 2000, due: T0 });
    const s = createScheduler({
      now: () => Date.now(),
      dueAt: () => ctx.calls.length + T0, // a new due value after every call, always in the past
      onDue: () => {
        ctx.calls.push(Date.now());
        s.reschedule();
      },
      random: () => 0,
      win: ctx.win,
      doc: ctx.doc,
    });
    s.start();
    vi.advanceTimersByTime(10_000);
    expect(ctx.calls).toEqual([T0, T0 + 2000, T0 + 4000, T0 + 6000, T0 + 8000, T0 + 10_000]);
    ctx.win.dispatchEvent(new Event('focus')); // a wake inside the interval does not bypass it
    ctx.win.dispatchEvent(new Event('online'));
    expect(ctx.calls).toHaveLength(6);
    s.stop();
  });

  it('retries with growing backoff while dueAt() does not change, and resets on new tokens', () => {
    const { s, calls, setDue } = setup({ jitterMs: 0, due: T0, random: () => 1 });
    s.start();
    vi.advanceTimersByTime(40_000);
    // attempt n waits max(2000, 1000 * 2^n): 2000, 2000, 4000, 8000, 16000
    expect(calls.map((t) => t - T0)).toEqual([0, 2000, 4000, 8000, 16_000, 32_000]);
    setDue(T0 + 40_000); // new tokens, already due: backoff resets to the min interval
    s.reschedule();
    vi.advanceTimersByTime(0);
    expect(calls.at(-1)).toBe(T0 + 40_000);
  });

  it('stop() clears the timer and every listener; nothing fires afterwards', () => {
    const { s, win, doc, calls } = setup({ jitterMs: 0 });
    const removeWin = vi.spyOn(win, 'removeEventListener');
    const removeDoc = vi.spyOn(doc, 'removeEventListener');
    s.start();
    expect(vi.getTimerCount()).toBe(1);
    s.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(removeWin.mock.calls.map((c) => c[0]).sort()).toEqual(['focus', 'online', 'pageshow']);
    expect(removeDoc.mock.calls.map((c) => c[0])).toEqual(['visibilitychange']);
    sleepFor(120_000);
    for (const t of ['focus', 'pageshow', 'online']) win.dispatchEvent(new Event(t));
    doc.dispatchEvent(new Event('visibilitychange'));
    s.reschedule();
    vi.advanceTimersByTime(DAY);
    expect(calls).toEqual([]);
    s.start(); // can be started again
    vi.advanceTimersByTime(0);
    expect(calls).toHaveLength(1);
  });

  it('start() is idempotent (one set of listeners, one timer)', () => {
    const { s, win, calls } = setup({ jitterMs: 0, minIntervalMs: 0 });
    s.start();
    s.start();
    expect(vi.getTimerCount()).toBe(1);
    sleepFor(120_000);
    win.dispatchEvent(new Event('focus'));
    expect(calls).toHaveLength(1);
  });

  it('reschedule() re-reads dueAt()', () => {
    const { s, calls, setDue } = setup({ jitterMs: 0 });
    s.start();
    setDue(T0 + 5000);
    s.reschedule();
    vi.advanceTimersByTime(5000);
    expect(calls).toEqual([T0 + 5000]);
    setDue(undefined); // session cleared
    s.reschedule();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('listens on the global window and document by default', () => {
    const calls: number[] = [];
    const s = createScheduler({ now: () => Date.now(), dueAt: () => T0 + 1000, onDue: () => calls.push(1), jitterMs: 0 });
    s.start();
    sleepFor(5000);
    window.dispatchEvent(new Event('focus'));
    expect(calls).toHaveLength(1);
    s.stop();
    sleepFor(5000);
    window.dispatchEvent(new Event('focus'));
    document.dispatchEvent(new Event('visibilitychange'));
    expect(calls).toHaveLength(1);
  });
});

describe('backoffDelay', () => {
  it('stays within [0, min(max, base * 2^attempt)] for many attempts', () => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const cap = Math.min(60_000, 1000 * 2 ** attempt);
      expect(backoffDelay(attempt, { random: () => 0 })).toBe(0);
      expect(backoffDelay(attempt, { random: () => 1 })).toBe(cap);
      const d = backoffDelay(attempt);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(cap);
      expect(Number.isFinite(d)).toBe(true);
    }
  });

  it('honours baseMs/maxMs and treats bad attempts as 0', () => {
    expect(backoffDelay(3, { baseMs: 100, maxMs: 500, random: () => 1 })).toBe(500);
    expect(backoffDelay(2, { baseMs: 100, maxMs: 500, random: () => 0.5 })).toBe(200);
    expect(backoffDelay(-5, { random: () => 1 })).toBe(1000);
    expect(backoffDelay(Number.NaN, { random: () => 1 })).toBe(1000);
    expect(backoffDelay(1e9, { random: () => 1 })).toBe(60_000);
  });
});
