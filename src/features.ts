/**
 * How the client plugs in its opt-in features (`spa-auth/dpop`, `spa-auth/popup`, `spa-auth/userinfo`): what
 * each one needs from the client, and the internal shape behind the opaque public values. The
 * client imports only these types, so an app that does not import a feature does not carry it.
 * @module
 */
import type { Config } from './config.js';
import type { Now } from './clock.js';
import type { DPoPSession } from './dpop.js';
import type { Metadata, Protocol } from './protocol.js';
import type { Transaction } from './transaction.js';
import type { DPoPSupport, PopupLoginOptions, PopupSupport, User, UserInfoSupport } from './types.js';

/** What the opt-in features need from the client (one object for all of them). */
export interface FeatureHost {
  config: Config;
  protocol: Protocol;
  win: Window | undefined;
  /** Aborted by logout() and destroy(): an open popup is given up. */
  signal: () => AbortSignal;
  /** Exchanges a validated response and installs the new session, unless `signal` aborted meanwhile. */
  complete: (as: Metadata, tx: Transaction, params: URLSearchParams, signal: AbortSignal) => Promise<void>;
  /** The session's access token, renewed first when due; rejects `login_required` without a session. */
  getAccessToken: () => Promise<string>;
  /** The validated ID token claims of the session. */
  user: () => User | undefined;
  dpop: () => DPoPSession | undefined;
}

/** The popup feature bound to one client. */
export interface PopupLogin {
  /** `loginWithPopup()`: opens the window synchronously, resolves once the session is installed. */
  login(o: PopupLoginOptions): Promise<void>;
  /** On the page at `redirectUri`: hands a popup's answer to its opener; true when it did. */
  land(): boolean;
}

/** The internal shape behind the opaque {@link PopupSupport}. */
export interface PopupFeature extends PopupSupport {
  create(host: FeatureHost): PopupLogin;
}

/**
 * The internal shape behind the opaque {@link DPoPSupport}: makes a session's DPoP key pair
 * (generated, or the one a peer tab's tokens are bound to) and what signs with it.
 */
export interface DPoPFeature extends DPoPSupport {
  create(keys: CryptoKeyPair | undefined, now: Now): Promise<DPoPSession>;
}

/** The internal shape behind the opaque {@link UserInfoSupport}. */
export interface UserInfoFeature extends UserInfoSupport {
  create(host: FeatureHost): () => Promise<User>;
}
