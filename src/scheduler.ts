/**
 * Proactive refresh timing: one timer per client, clamped so a far-away expiry cannot
 * overflow `setTimeout` (the per-tab jitter is part of the due time it is given), re-checked against
 * the wall clock whenever the page wakes up (a sleeping or throttled tab's timers lie), and
 * rate-limited so a zero `expires_in` cannot drive a hot loop.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14 (refresh token protection)
 * @module
 */
import type { Now } from './clock.js';
import { clampDelay } from './clock.js';

/** Options for {@link createScheduler}. */
export interface SchedulerOptions {
  /** The clock `dueAt()` is on: the provider's, whose readings also notice steps of the device clock. */
  now: Now;
  /** When renewal is due (epoch ms), already computed by the client from expiry and leeway; undefined = no session, no timer. */
  dueAt: () => number | undefined;
  /** Called when renewal is due. Must be treated as fire-and-forget; it never throws (client catches). */
  onDue: () => void;
}

/** The handle returned by {@link createScheduler}. */
export interface Scheduler {
  /** Arms the timer from dueAt() and installs wake listeners. Idempotent. */
  start(): void;
  /** Clears the timer and removes every listener. */
  stop(): void;
  /** Re-reads dueAt() and re-arms (called after new tokens are installed). */
  reschedule(): void;
  /** The server asked for a pause (`Retry-After`): the next retry waits at least `ms` from now. */
  retryAfter(ms: number): void;
}

/** Minimum spacing between two onDue calls, so expires_in≈0 can't drive a hot loop. */
const MIN_INTERVAL = 2000;
/**
 * Wake-ups that re-check the wall clock. All are listened for on the window: `visibilitychange`
 * is fired at the document and bubbles to it (HTML "update the visibility state").
 */
const WAKE = ['pageshow', 'focus', 'online', 'visibilitychange'];

/**
 * Creates a refresh scheduler. Nothing happens until {@link Scheduler.start}.
 *
 * `onDue` fires at `dueAt()`, never sooner than 2 s after the previous call. If `dueAt()` still returns the same value after
 * `onDue` (the renewal failed or is still running), the scheduler retries on its own with
 * full-jitter exponential backoff (`random() * min(60 s, 1 s * 2^attempt)`, floored at 2 s); a new
 * `dueAt()` value (new tokens) resets the backoff. On `visibilitychange` (to visible),
 * `pageshow`, `focus` and `online` the due time is re-checked against `now()`.
 *
 * @see https://developer.mozilla.org/docs/Web/API/setTimeout#maximum_delay_value
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 * @example
 * ```ts
 * const s = createScheduler({ now: clock.now, dueAt: () => session.expiresAt - 60_000, onDue: () => void refresh() });
 * s.start();
 * // after new tokens: s.reschedule(); on destroy: s.stop();
 * ```
 */
export function createScheduler({ now, dueAt, onDue }: SchedulerOptions): Scheduler {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let lastFire = -Infinity;
  let firedFor: number | undefined; // the dueAt() value the last onDue was for
  let backoff = 0; // wait after lastFire before a retry while dueAt() stays at firedFor
  let attempt = 0;

  /** Earliest allowed fire time for this due value, or undefined when there is no session. */
  const fireAt = (): number | undefined => {
    const due = dueAt();
    if (due === undefined) return;
    if (due !== firedFor) attempt = 0;
    // A wall clock set back since the last fire does not hold the next one back by as much.
    lastFire = Math.min(lastFire, now());
    return Math.max(due, lastFire + (due === firedFor ? backoff : MIN_INTERVAL));
  };

  const arm = () => {
    clearTimeout(timer);
    const at = running ? fireAt() : undefined;
    if (at !== undefined) timer = setTimeout(check, clampDelay(at - now()));
  };

  function check() {
    const t = now();
    if (t >= (fireAt() ?? Infinity)) {
      lastFire = t;
      firedFor = dueAt();
      backoff = Math.max(MIN_INTERVAL, Math.random() * Math.min(60_000, 1000 * 2 ** attempt++));
      onDue();
    }
    arm();
  }

  const onWake = (e: Event) => {
    if (e.type !== 'visibilitychange' || globalThis.document?.visibilityState !== 'hidden') check();
  };
  /** Adds or removes every wake listener; none outside a browser. (Adding the same listener twice is a no-op.) */
  const listen = (method: 'addEventListener' | 'removeEventListener') => {
    for (const type of WAKE) globalThis[method]?.(type, onWake);
  };

  return {
    start() {
      running = true;
      listen('addEventListener');
      arm();
    },
    stop() {
      running = false;
      listen('removeEventListener');
      arm();
    },
    reschedule: arm,
    retryAfter(ms) {
      const due = dueAt();
      // Never sooner than the server asks, nor than the backoff of the failures before (a
      // `Retry-After: 0` on every answer must not turn it into a retry every 2 s).
      backoff = Math.max(MIN_INTERVAL, ms, due === firedFor ? backoff : 0);
      lastFire = now();
      firedFor = due;
      arm();
    },
  };
}
