/**
 * Unit-test setup. happy-dom does not load pages into iframes: the silent-authorization tests
 * play the provider's part themselves, and each frame the SDK adds makes happy-dom print a
 * `NotSupportedError` "Iframe page loading is disabled" with its stack. Those lines are expected
 * and look like failures, so exactly that error is left out of the output; every other
 * console.error passes through untouched.
 */
import nodeConsole from 'node:console';

const expected = (value: unknown) =>
  value instanceof Error &&
  value.name === 'NotSupportedError' &&
  /^Failed to load iframe page ".*"\. Iframe page loading is disabled\.$/.test(value.message);

// happy-dom prints through the console the process started with (Vitest's own console, the
// global one in a test, reports to Vitest instead): filter both.
for (const target of new Set([nodeConsole, console])) {
  const print = target.error.bind(target);
  target.error = (...args: unknown[]) => {
    if (args.length === 1 && expected(args[0])) return;
    print(...args);
  };
}
