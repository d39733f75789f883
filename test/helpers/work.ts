/**
 * Measures of work that a busy machine cannot skew, for tests that used to say "quickly".
 */
import { vi } from 'vitest';

/**
 * Runs `fn` and counts the regular-expression matches made meanwhile. Every `test`, `match`,
 * `replace` or `exec` goes through `RegExp.prototype.exec`, so a parser that reads a hostile
 * header makes at least one call per token of it, and one that skips it makes next to none.
 */
export async function regexCalls<T>(fn: () => T | Promise<T>): Promise<{ result: T; calls: number }> {
  const exec = vi.spyOn(RegExp.prototype, 'exec');
  try {
    const result = await fn();
    return { result, calls: exec.mock.calls.length };
  } finally {
    exec.mockRestore();
  }
}

/**
 * The processor time `fn` takes, in milliseconds: the fastest of `runs` runs. Unlike the wall
 * clock, it does not count the time other processes had the processor, so a busy machine
 * leaves it about the same.
 */
export function cpuTime(fn: () => void, runs = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = process.cpuUsage();
    fn();
    const { user, system } = process.cpuUsage(t);
    best = Math.min(best, (user + system) / 1000);
  }
  return best;
}
