/**
 * The one owner of this tab's session: the tokens, the DPoP keys they are bound to, the ids of
 * sessions that ended, the presence lock a signed-in tab holds, and the channel to the other
 * tabs. Renewal, the login flow and the tab channel change the session only through it; every
 * change is announced once (events for the app, `onChange` for the renewal scheduler).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2 (one refresh token, one holder)
 * @see https://www.rfc-editor.org/rfc/rfc9449 (DPoP: keys follow the tokens)
 * @module
 */
import type { Config } from './config.js';
import type { DPoPSession } from './dpop.js';
import type { Emitter } from './emitter.js';
import { AuthError, must } from './errors.js';
import type { DPoPFeature } from './features.js';
import { channelName } from './names.js';
import { createPresence } from './presence.js';
import type { Metadata, Protocol } from './protocol.js';
import type { ProviderClock } from './provider-clock.js';
import type { RestoreNotes } from './restore-notes.js';
import { createSession, type Tokens } from './session.js';
import { createTabSync, type SessionReason } from './tab-sync.js';
import type { Transaction } from './transaction.js';
import type { AuthEvents } from './types.js';

/** How a session ends: a logout, or an error (expiry, a refused renewal). */
export type SessionEnd = 'loggedOut' | AuthError;

/** What {@link createSessionController} needs. */
export interface SessionControllerOptions {
  config: Config;
  protocol: Protocol;
  events: Emitter<AuthEvents>;
  notes: RestoreNotes;
  /** The provider's time: DPoP proofs are stamped with it, and fresh tokens or a peer's session set its offset. */
  clock: ProviderClock;
  /** navigator.locks, when tabs may share the session; undefined keeps the session in this tab. */
  locks: LockManager | undefined;
}

/** The handle returned by {@link createSessionController}. */
export interface SessionController {
  /** The tokens this tab holds (a destroyed client still holds a renewal it is handing over). */
  get(): Tokens | undefined;
  /** Increases on every change of the tokens: work that started before a change can tell it is stale. */
  version(): number;
  /** The DPoP keys of the session, once it has any. */
  dpop(): DPoPSession | undefined;
  /** Aborted when a session ends by logout, and on destroy: a flow started before gives up. */
  signal(): AbortSignal;
  /**
   * Installs tokens in this tab. `fresh` marks a new session (`authenticated`) rather than
   * renewed tokens (`tokenRefreshed`); `publish` tells the other tabs, for tokens made here.
   */
  install(tokens: Tokens, fresh: boolean, publish?: 'login' | 'refreshed'): Promise<void>;
  /** Drops the session here (and, with `broadcast`, in every tab); resolves the tokens it held. */
  drop(how: SessionEnd, broadcast?: boolean): Tokens | undefined;
  /** Tells the other tabs that session `id` (which this tab does not hold) was logged out. */
  loggedOutElsewhere(id: string): void;
  /**
   * Exchanges a validated callback for tokens and installs them (renewing `base`, or a new
   * session), unless a logout or destroy aborted `signal` meanwhile.
   */
  complete(as: Metadata, tx: Transaction, params: URLSearchParams, signal: AbortSignal, base?: Tokens): Promise<void>;
  /** Asks every other signed-in tab for its session; resolves the newest answer. */
  ask(): Promise<Tokens | undefined>;
  /** Takes over another tab's session (restore on a new tab), unless `signal` aborted meanwhile; resolves whether this tab now has one. */
  takeOver(signal: AbortSignal): Promise<boolean>;
  /** Adopts a renewal of this session that another tab made and has not broadcast yet. */
  catchUp(): Promise<void>;
  /** Calls `listener` after every change of the tokens (the renewal scheduler listens). */
  onChange(listener: () => void): void;
  /** The client is destroyed: flows abort, no presence lock is taken any more. */
  destroy(): void;
  /** Lets go of everything: the presence lock, the channel, the tokens and keys. */
  close(): void;
  /** This window holds no session and hears of none (a popup or silent frame that handed its answer over): closes the tab channel. */
  closeChannel(): void;
}

/**
 * Creates the session controller of one client, with its tab channel (off without Web Locks:
 * two tabs could then present one refresh token twice, so each keeps its own grant).
 * @example
 * ```ts
 * const session = createSessionController({ config, protocol, events, notes, locks: navigator.locks });
 * await session.install(tokens, true, 'login');
 * session.drop('loggedOut', true);
 * ```
 */
export function createSessionController({
  config,
  protocol,
  events,
  notes,
  clock,
  locks,
}: SessionControllerOptions): SessionController {
  const session = createSession();
  const ended = new Set<string>();
  const listeners: (() => void)[] = [];
  const presence = locks && createPresence(locks, config.tabKey, protocol.random());
  /** DPoP support (spa-auth/dpop), when the app passed it. */
  const keys = config.dpop as DPoPFeature | undefined;
  let dpop: DPoPSession | undefined;
  let destroyed = false;
  let flows = new AbortController();

  const changed = () => listeners.forEach((listener) => listener());

  const install = async (tokens: Tokens, fresh: boolean, publish?: 'login' | 'refreshed'): Promise<void> => {
    if (ended.has(tokens.sessionId)) return;
    if (keys && tokens.dpopKeys && dpop?.keys !== tokens.dpopKeys) dpop = await keys.create(tokens.dpopKeys, clock.now);
    // Fresh tokens bring a newly learned offset; a peer's session brings what that tab knows.
    if (tokens.clockOffset !== undefined) clock.set(tokens.clockOffset);
    session.set(tokens);
    changed();
    // A signed-in tab holds a presence lock, so a new tab knows whether anyone can hand over.
    if (!destroyed) presence?.hold();
    if (fresh) events.emit('authenticated', { user: tokens.claims });
    else events.emit('tokenRefreshed', { expiresAt: tokens.expiresAt - clock.offset() }); // on the device's clock, as the app reads it
    if (publish) sync.publish(tokens, publish);
  };

  const drop = (how: SessionEnd, broadcast?: boolean): Tokens | undefined => {
    const tokens = session.get();
    if (tokens) ended.add(tokens.sessionId);
    session.set();
    dpop = undefined;
    changed();
    presence?.leave();
    if (how === 'loggedOut') {
      flows.abort();
      flows = new AbortController();
      if (tokens && broadcast) sync.loggedOut(tokens.sessionId);
      events.emit('loggedOut', {});
    } else if (tokens) {
      if (broadcast) sync.expired(tokens.sessionId, how.error ?? how.code);
      events.emit('sessionExpired', { error: how });
    }
    return tokens;
  };

  /** Another tab ended session `id`: drop it here, or make sure it is never adopted. */
  const endedElsewhere = (id: string, how: SessionEnd) => {
    if (session.get()?.sessionId === id) drop(how);
    else ended.add(id);
  };

  /** A peer's broadcast: never step back to older tokens, and take another session only from a new login. */
  const adopt = (tokens: Tokens, reason: SessionReason) => {
    const held = session.get();
    const same = held?.sessionId === tokens.sessionId;
    // Broadcasts from different tabs can arrive out of order: older tokens' refresh token is rotated out.
    if (held && (same ? tokens.rotation <= held.rotation : reason !== 'login')) return;
    install(tokens, !same).catch(() => undefined);
  };

  const sync = createTabSync({
    channelName: channelName(config.tabKey),
    ended,
    // With the offset as this tab knows it now (it may have absorbed a step of the device clock).
    getSession: () => {
      const tokens = session.get();
      return tokens && { ...tokens, clockOffset: clock.offset() };
    },
    onSession: adopt,
    onLoggedOut: (id) => endedElsewhere(id, 'loggedOut'),
    onExpired: (id, error) => endedElsewhere(id, new AuthError('oauth_error', 'ended in another tab', { error })),
    // Without Web Locks two tabs could present one refresh token twice: each tab keeps its own grant.
    ...(locks ? {} : { BroadcastChannel: null }),
  });

  const ask = async () => {
    const others = (await presence?.others()) ?? 0;
    // A new tab waits at most 500 ms for the hand-over.
    return others ? sync.requestSession(500, others) : undefined;
  };

  return {
    get: session.get,
    version: session.version,
    dpop: () => dpop,
    signal: () => flows.signal,
    install,
    drop,
    loggedOutElsewhere: (id) => sync.loggedOut(id),
    async complete(as, tx, params, signal, base) {
      // A renewal keeps the session's key (its refresh token is bound to it); a new session gets a new one.
      const key = keys && ((base && dpop) ?? (await keys.create(undefined, clock.now)));
      const tokens = await protocol.exchangeCode(as, tx, params, base, key);
      // Cut short: a new session is refused; a renewal is merely not done (the session may live on elsewhere).
      must(!signal.aborted, 'signed out meanwhile', base ? 'timeout' : 'login_required');
      // A renewal that lands after another session replaced the one it renews (a popup login, a
      // peer tab's login) is moot: the newer session stays, and the grant it made is revoked.
      if (base && session.get()?.sessionId !== base.sessionId) {
        void protocol.revoke(as, tokens);
        return;
      }
      dpop = key;
      await install(tokens, !base, base ? 'refreshed' : 'login');
      if (!base) notes.framedPage.clear(); // a login succeeded: silent authorization is worth trying again
    },
    ask,
    async takeOver(signal) {
      const peer = await ask();
      // A hand-over that cannot be installed (keys this browser cannot use) is as good as none.
      if (peer && !signal.aborted) await install(peer, true).catch(() => undefined);
      return !!session.get();
    },
    // Inside the refresh lock: a tab that just renewed may not have been heard from yet.
    async catchUp() {
      const peer = await ask();
      const held = session.get();
      if (peer && peer.sessionId === held?.sessionId && peer.rotation > held.rotation)
        await install(peer, false).catch(() => undefined);
    },
    onChange: (listener) => void listeners.push(listener),
    destroy() {
      destroyed = true;
      flows.abort(); // every flow started later sees it aborted too
    },
    closeChannel: () => sync.close(),
    close() {
      presence?.leave();
      sync.close();
      session.set();
      dpop = undefined;
    },
  };
}
