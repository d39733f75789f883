/**
 * Time helpers shared by the scheduler, retries and requests: an injectable clock, and a delay
 * clamp that keeps `setTimeout` from overflowing.
 * @module
 */

/** Largest delay `setTimeout` honours; anything above fires immediately (a 32-bit overflow). */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** Milliseconds since the epoch. Injected so tests can move time. */
export type Now = () => number;

/** The real clock. */
export const systemNow: Now = () => Date.now();

/**
 * Clamps a delay to what `setTimeout` can honour: negative and NaN become 0, anything past
 * 2^31−1 ms (~24.8 days) becomes 2^31−1.
 */
export function clampDelay(ms: number): number {
  return ms > 0 ? Math.min(ms, MAX_TIMER_DELAY) : 0;
}
