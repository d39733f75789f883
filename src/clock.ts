/**
 * Time helpers shared by the scheduler, retries and requests: an injectable clock, a delay
 * clamp that keeps `setTimeout` from overflowing, and an abortable sleep.
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

/**
 * Resolves after `ms` (clamped), or rejects with the signal's reason as soon as it aborts.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, clampDelay(ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * An AbortSignal that aborts with a `TimeoutError` after `ms`, or when `parent` aborts,
 * whichever comes first. `done()` clears the timer once the guarded work is over.
 */
export function timeoutSignal(ms: number, parent?: AbortSignal | null): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort(parent?.aborted ? parent.reason : new DOMException('Timed out', 'TimeoutError'));
  const timer = setTimeout(abort, clampDelay(ms));
  if (parent?.aborted) abort();
  else parent?.addEventListener('abort', abort);
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', abort);
    },
  };
}
