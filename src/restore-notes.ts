/**
 * What restoring a session remembers in this tab between page loads, in sessionStorage: two
 * public flags per issuer, never a token, a code or a `state`.
 *
 * - `framedPage`: the issuer answered a silent-authorization request (`prompt=none`) by leaving
 *   a page in the hidden iframe instead of redirecting back. Later page loads of this tab skip
 *   the iframe for that issuer (and say so) until a login in this tab succeeds, instead of
 *   waiting for that page again on every navigation.
 * - `strayResponse`: the silent page, loaded at top level, dropped an authorization response
 *   that no transaction of this tab knew and sent the user on; the next `init()` in this tab
 *   reports it (an `error` event, `invalid_state`). Taken once; ignored after a minute.
 *
 * Every read or write tolerates a blocked or full storage: the tab then merely forgets.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (`prompt=none`)
 * @module
 */
import { systemNow as now } from './clock.js';
import { storageKey } from './names.js';

/** One public flag of this tab. */
export interface TabFlag {
  /** Whether the flag is set (false when storage is blocked). */
  has(): boolean;
  set(): void;
  clear(): void;
}

/** The handle returned by {@link restoreNotes}. */
export interface RestoreNotes {
  /** The issuer left a page in the silent-authorization iframe; cleared by a successful login. */
  framedPage: TabFlag;
  /** A stray authorization response was dropped on the silent page; {@link take} reads and clears it. */
  strayResponse: TabFlag & { take(): boolean };
}

/** How long a stray-response note waits for the page it sent the user to. */
const STRAY_TTL = 60_000;

/**
 * The notes of one issuer in this tab.
 * @example
 * ```ts
 * const notes = restoreNotes(() => sessionStorage, 'https://id.example.com');
 * if (notes.framedPage.has()) console.warn('silent authorization skipped in this tab');
 * ```
 */
export function restoreNotes(
  storage: () => Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
  issuer: string,
): RestoreNotes {
  const flag = (name: string, ttl = Infinity): TabFlag => {
    const key = storageKey.note(name, issuer);
    const attempt = <T>(fn: () => T, fallback: T): T => {
      try {
        return fn();
      } catch {
        return fallback; // storage blocked or full: nothing remembered
      }
    };
    return {
      has: () => attempt(() => now() - Number(storage().getItem(key) ?? NaN) < ttl, false),
      set: () => attempt(() => storage().setItem(key, String(now())), undefined),
      clear: () => attempt(() => storage().removeItem(key), undefined),
    };
  };
  const stray = flag('stray', STRAY_TTL);
  return {
    framedPage: flag('framed'),
    strayResponse: {
      ...stray,
      take() {
        const had = stray.has();
        stray.clear();
        return had;
      },
    },
  };
}
