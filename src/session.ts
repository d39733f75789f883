/**
 * The in-memory session: tokens, the validated ID token claims, and expiry. No I/O, no
 * timers. A version number increases on every change, so work that started before a change
 * (a late refresh response after logout) can tell it is stale.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-8.4
 * @module
 */
import type { SharedSession } from './tab-sync.js';

/** Same shape as what tabs share. */
export type Tokens = SharedSession;

export interface Session {
  get(): Tokens | undefined;
  /** Installs new tokens (a new login, a refresh, or a peer's tokens). */
  set(tokens: Tokens): void;
  /** Drops everything. */
  clear(): void;
  /** Increases on every set() and clear(). */
  version(): number;
}

export function createSession(): Session {
  let tokens: Tokens | undefined;
  let version = 0;
  return {
    get: () => tokens,
    set(next) {
      tokens = next;
      version++;
    },
    clear() {
      tokens = undefined;
      version++;
    },
    version: () => version,
  };
}
