/**
 * Time helpers shared by the scheduler, retries and requests: the device's clocks (the only
 * place in spa-auth that reads them), and a delay clamp that keeps `setTimeout` from overflowing.
 * The provider's time, which every token check and schedule uses, is in `provider-clock.ts`.
 * @module
 */

/** Largest delay `setTimeout` honours; anything above fires immediately (a 32-bit overflow). */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** Milliseconds since the epoch. Injected so tests can move time. */
export type Now = () => number;

/** The device's wall clock: it may be wrong, and may step (sleep, manual change, time sync). */
export const systemNow: Now = () => Date.now();

/**
 * A monotonic clock (ms, any origin): `performance.now()`, which no change of the wall clock
 * moves. Where there is none, the wall clock stands in (no step can then be seen).
 * @see https://w3c.github.io/hr-time/#dom-performance-now
 */
export const monotonicNow: Now = () => globalThis.performance?.now() ?? Date.now();

/**
 * Clamps a delay to what `setTimeout` can honour: negative and NaN become 0, anything past
 * 2^31−1 ms (~24.8 days) becomes 2^31−1.
 */
export function clampDelay(ms: number): number {
  return ms > 0 ? Math.min(ms, MAX_TIMER_DELAY) : 0;
}
