/**
 * The in-memory session: tokens, the validated ID token claims, and expiry (on the provider's
 * clock, see `provider-clock.ts`, so a step of the device clock moves no token time). No I/O, no
 * timers. A version number increases on every change, so work that started before a change
 * (a late refresh response after logout) can tell it is stale.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-8.4
 * @module
 */
import type { SharedSession } from './tab-sync.js';

/** What tabs share; optional members may be explicitly undefined (tab-sync accepts that). */
export type Tokens = Omit<SharedSession, 'refreshToken' | 'scope' | 'dpopKeys'> & {
  refreshToken?: string | undefined;
  scope?: string | undefined;
  dpopKeys?: CryptoKeyPair | undefined;
};

/** The session handle. */
export interface Session {
  get(): Tokens | undefined;
  /** Installs new tokens (a new login, a refresh, or a peer's tokens), or drops them (undefined). */
  set(tokens?: Tokens): void;
  /** Increases on every set(). */
  version(): number;
}

/**
 * An empty session.
 * @example
 * ```ts
 * const session = createSession();
 * session.set(tokens);
 * session.set(); // logged out
 * ```
 */
export function createSession(): Session {
  let tokens: Tokens | undefined;
  let version = 0;
  return {
    get: () => tokens,
    set(next) {
      tokens = next;
      version++;
    },
    version: () => version,
  };
}
