/**
 * The in-memory session: tokens, the validated ID token claims, and expiry (on the provider's
 * clock, see `provider-clock.ts`, so a step of the device clock moves no token time). No I/O, no
 * timers. A version number increases on every change, so work that started before a change
 * (a late refresh response after logout) can tell it is stale.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-8.4
 * @module
 */

/** One session's tokens: what a tab holds, and what tabs hand each other (tab-sync checks every field). */
export interface Tokens {
  /** Random id of one login; survives refreshes; used to ignore late messages of ended sessions. */
  sessionId: string;
  accessToken: string;
  tokenType: 'Bearer' | 'DPoP';
  /** Epoch ms, on the provider's clock (receipt time plus `expires_in`). */
  expiresAt: number;
  /** Epoch ms, on the provider's clock (the receipt time, plus the offset). */
  issuedAt: number;
  /** How many times this session's tokens were renewed: orders sessions without trusting clocks. */
  rotation: number;
  refreshToken?: string | undefined;
  idToken: string;
  claims: { sub: string; [k: string]: unknown };
  scope?: string | undefined;
  /** Structured-clonable CryptoKeys; the private key must be non-extractable. */
  dpopKeys?: CryptoKeyPair | undefined;
  /** The provider's clock minus this device's (ms), as the tab that made or sent them knows it; at most a day either way. */
  clockOffset?: number | undefined;
}

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
