/**
 * Proactive refresh timing: one timer per client, clamped so a far-away expiry cannot
 * overflow `setTimeout`, jittered per tab so tabs don't all wake at once, re-checked against
 * the wall clock whenever the page wakes up (a sleeping or throttled tab's timers lie), and
 * rate-limited so a zero `expires_in` cannot drive a hot loop.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14 (refresh token protection)
 * @module
 */
import type { Now } from './clock.js';
import { clampDelay } from './clock.js';

type Target = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

/** Options for {@link createScheduler}. */
export interface SchedulerOptions {
  now: Now;
  /** When renewal is due (epoch ms), already computed by the client from expiry and leeway; undefined = no session, no timer. */
  dueAt: () => number | undefined;
  /** Called when renewal is due. Must be treated as fire-and-forget; it never throws (client catches). */
  onDue: () => void;
  /** Max extra random lead per tab so tabs don't all wake at once. Default 5000 ms. Chosen once per scheduler. */
  jitterMs?: number;
  /** Source of randomness for jitter and retry backoff. Default `Math.random`. */
  random?: () => number;
  /** Minimum spacing between two onDue calls, so expires_in≈0 can't drive a hot loop. Default 2000 ms. */
  minIntervalMs?: number;
  /** Where wake events are listened for; default globalThis (window) and globalThis.document when present. */
  win?: Target;
  doc?: Target & { visibilityState?: string };
}

/** The handle returned by {@link createScheduler}. */
export interface Scheduler {
  /** Arms the timer from dueAt() and installs wake listeners. Idempotent. */
  start(): void;
  /** Clears the timer and removes every listener. */
  stop(): void;
  /** Re-reads dueAt() and re-arms (called after new tokens are installed). */
  reschedule(): void;
}

const WIN_EVENTS = ['pageshow', 'focus', 'online'] as const;
const VISIBILITY = 'visibilitychange';

/**
 * Creates a refresh scheduler. Nothing happens until {@link Scheduler.start}.
 *
 * `onDue` fires at `dueAt() − jitter` (jitter drawn once, in `[0, jitterMs)`), never sooner than
 * `minIntervalMs` after the previous call. If `dueAt()` still returns the same value after
 * `onDue` (the renewal failed or is still running), the scheduler retries on its own with
 * full-jitter exponential backoff ({@link backoffDelay}, floored at `minIntervalMs`); a new
 * `dueAt()` value (new tokens) resets the backoff. On `visibilitychange` (to visible),
 * `pageshow`, `focus` and `online` the due time is re-checked against `now()`.
 *
 * @see https://developer.mozilla.org/docs/Web/API/setTimeout#maximum_delay_value
 * @example
 * ```ts
 * const s = createScheduler({ now: Date.now, dueAt: () => session.expiresAt - 60_000, onDue: () => void refresh() });
 * s.start();
 * // after new tokens: s.reschedule(); on destroy: s.stop();
 * ```
 */
export function createScheduler(o: SchedulerOptions): Scheduler {
  const { now, dueAt, onDue } = o;
  const random = o.random ?? Math.random;
  const minInterval = o.minIntervalMs ?? 2000;
  const jitter = random() * (o.jitterMs ?? 5000);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let win: Target | undefined;
  let doc: SchedulerOptions['doc'];
  let running = false;
  let lastFire = -Infinity;
  let firedFor: number | undefined; // the dueAt() value the last onDue was for
  let retryAt = -Infinity; // earliest retry while dueAt() stays at firedFor
  let attempt = 0;

  const clear = () => {
    clearTimeout(timer);
    timer = undefined;
  };

  /** Earliest allowed fire time for this due value, or undefined when there is no session. */
  const fireAt = (): number | undefined => {
    const due = dueAt();
    if (due === undefined) return undefined;
    if (due !== firedFor) attempt = 0;
    return Math.max(due - jitter, due === firedFor ? retryAt : lastFire + minInterval);
  };

  const arm = () => {
    clear();
    const at = running ? fireAt() : undefined;
    if (at !== undefined) timer = setTimeout(check, clampDelay(at - now()));
  };

  function check() {
    timer = undefined;
    const at = fireAt();
    const t = now();
    if (at === undefined || t < at) return arm();
    lastFire = t;
    firedFor = dueAt();
    retryAt = t + Math.max(minInterval, backoffDelay(attempt++, { random }));
    onDue();
    arm();
  }

  const onWake = (e: Event) => {
    if (e.type !== VISIBILITY || doc?.visibilityState !== 'hidden') check();
  };

  return {
    start() {
      if (running) return;
      running = true;
      const g = globalThis as unknown as Partial<Target> & { document?: SchedulerOptions['doc'] };
      win = o.win ?? (g.addEventListener ? (g as Target) : undefined);
      doc = o.doc ?? g.document;
      for (const type of WIN_EVENTS) win?.addEventListener(type, onWake);
      doc?.addEventListener(VISIBILITY, onWake);
      arm();
    },
    stop() {
      running = false;
      clear();
      for (const type of WIN_EVENTS) win?.removeEventListener(type, onWake);
      doc?.removeEventListener(VISIBILITY, onWake);
      win = doc = undefined;
    },
    reschedule: arm,
  };
}

/**
 * Full-jitter exponential backoff: `random() * min(maxMs, baseMs * 2 ** attempt)`.
 * Defaults: base 1000 ms, max 60000 ms. Negative or NaN attempts count as 0.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 * @example
 * ```ts
 * await sleep(backoffDelay(retries++));
 * ```
 */
export function backoffDelay(attempt: number, o: { baseMs?: number; maxMs?: number; random?: () => number } = {}): number {
  const cap = Math.min(o.maxMs ?? 60_000, (o.baseMs ?? 1000) * 2 ** (attempt > 0 ? attempt : 0));
  return (o.random ?? Math.random)() * cap;
}
