/**
 * The cross-tab protocol over a same-origin `BroadcastChannel`: a new tab asks live tabs for the
 * session (no network), a tab that renewed or logged in shares its tokens, and logout or session
 * end reaches every tab. Every inbound message is validated before it is believed; messages
 * about an ended session are ignored, so a late refresh cannot resurrect it.
 *
 * Messages (all `{ type: 'spa-auth', v: 1, k, ... }`):
 * - `k: 'q', id` — who has the session? (`id` is a random request id)
 * - `k: 's', reason, s, to?` — a session; `to` addresses a `'handoff'` answer to request `id`
 * - `k: 'e', sid, error?` — session `sid` ended: logged out, or expired with `error`
 *
 * @see https://html.spec.whatwg.org/multipage/web-messaging.html#broadcasting-to-other-browsing-contexts
 * @module
 */
import { clampDelay } from './clock.js';

/** A session as it travels between tabs. */
export interface SharedSession {
  /** Random id of one login; survives refreshes; used to ignore late messages of ended sessions. */
  sessionId: string;
  accessToken: string;
  tokenType: 'Bearer' | 'DPoP';
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms (local receipt time). */
  issuedAt: number;
  refreshToken?: string;
  idToken: string;
  claims: { sub: string; [k: string]: unknown };
  scope?: string;
  /** Structured-clonable CryptoKeys; the private key must be non-extractable. */
  dpopKeys?: CryptoKeyPair;
}

/** Why a session arrived: answer to our request, a peer's refresh, or a peer's login. */
export type SessionReason = 'handoff' | 'refreshed' | 'login';

/** Options for {@link createTabSync}. */
export interface TabSyncOptions {
  channelName: string;
  /** Answer to a peer's handoff request; undefined = we have nothing (don't answer). */
  getSession: () => SharedSession | undefined;
  /** A peer's `'refreshed'` or `'login'` broadcast (adopt: the client decides). Handoff answers resolve {@link TabSync.requestSession} instead. */
  onSession: (s: SharedSession, reason: SessionReason) => void;
  onLoggedOut: (sessionId: string) => void;
  onExpired: (sessionId: string, error: string) => void;
  /** Injectable constructor; default globalThis.BroadcastChannel; when missing, every method is a harmless no-op and requestSession resolves undefined. `null` (or an explicit `undefined`) switches sharing off. */
  BroadcastChannel?: typeof BroadcastChannel | null;
}

/** The handle returned by {@link createTabSync}. */
export interface TabSync {
  /** Asks live tabs for the session; resolves the first valid answer, or undefined after timeoutMs. No network. */
  requestSession(timeoutMs: number): Promise<SharedSession | undefined>;
  publish(s: SharedSession, reason: 'refreshed' | 'login'): void;
  loggedOut(sessionId: string): void;
  expired(sessionId: string, error: string): void;
  close(): void;
}

type Rec = Record<string, unknown>;

const TYPE = 'spa-auth';
const V = 1;

const isObj = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);
const isPlain = (x: unknown): x is Rec => isObj(x) && [null, Object.prototype].includes(Object.getPrototypeOf(x));
const isStr = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const optStr = (x: unknown) => x === undefined || isStr(x);
const isKey = (k: unknown, type: KeyType) => typeof CryptoKey !== 'undefined' && k instanceof CryptoKey && k.type === type;

/** Rebuilds a session from an untrusted message value, or returns undefined if anything is off. */
function toSession(x: unknown): SharedSession | undefined {
  if (!isPlain(x)) return;
  const { sessionId, accessToken, tokenType, expiresAt, issuedAt, refreshToken, idToken, claims, scope, dpopKeys: k } = x;
  if (
    !isStr(sessionId) || !isStr(accessToken) || !isStr(idToken) || !isNum(expiresAt) || !isNum(issuedAt) ||
    (tokenType !== 'Bearer' && tokenType !== 'DPoP') || !optStr(refreshToken) || !optStr(scope) ||
    !isPlain(claims) || !isStr(claims.sub)
  ) return;
  let dpopKeys: CryptoKeyPair | undefined;
  if (k !== undefined) {
    if (!isObj(k) || !isKey(k.privateKey, 'private') || !isKey(k.publicKey, 'public')) return;
    dpopKeys = k as unknown as CryptoKeyPair;
    if (dpopKeys.privateKey.extractable !== false) return;
  } else if (tokenType === 'DPoP') return;
  const s: SharedSession = { sessionId, accessToken, tokenType, expiresAt, issuedAt, idToken, claims: claims as SharedSession['claims'] };
  if (refreshToken !== undefined) s.refreshToken = refreshToken;
  if (scope !== undefined) s.scope = scope;
  if (dpopKeys) s.dpopKeys = dpopKeys;
  return s;
}

/** 128 random bits, hex: request ids only (not a secret). */
const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Opens the tab-sync channel. Handoff answers resolve {@link TabSync.requestSession} (they do not
 * call `onSession`); `'refreshed'` and `'login'` broadcasts call `onSession`. Once a sessionId has
 * ended (sent or received), every later message about it is ignored and it is never answered or
 * published again. A tab never answers its own requests.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2 (one refresh token, one holder)
 * @example
 * ```ts
 * const sync = createTabSync({ channelName: `spa-auth:${issuer}:${clientId}`, getSession, onSession,
 *   onLoggedOut, onExpired });
 * const s = await sync.requestSession(300); // a sibling tab's session, or undefined
 * ```
 */
export function createTabSync(o: TabSyncOptions): TabSync {
  const BC = 'BroadcastChannel' in o ? o.BroadcastChannel : (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel;
  let ch: BroadcastChannel | undefined = BC ? new BC(o.channelName) : undefined;
  const pending = new Map<string, (s: SharedSession | undefined) => void>();
  const ended = new Set<string>();

  const post = (m: Rec) => {
    try {
      ch?.postMessage({ type: TYPE, v: V, ...m });
    } catch {
      // not clonable or channel closing: peers simply don't hear it
    }
  };
  /** Sends only validated fields of a session that has not ended. */
  const send = (x: SharedSession | undefined, m: Rec) => {
    const s = toSession(x);
    if (s && !ended.has(s.sessionId)) post({ k: 's', s, ...m });
  };

  const end = (sid: string, error?: string) => {
    if (!isStr(sid)) return;
    ended.add(sid);
    post(error === undefined ? { k: 'e', sid } : { k: 'e', sid, error });
  };

  if (ch) ch.onmessage = (e: MessageEvent) => {
    const m: unknown = e.data;
    if (!isPlain(m) || m.type !== TYPE || m.v !== V) return;
    if (m.k === 'q') {
      if (!isStr(m.id) || pending.has(m.id)) return;
      send(o.getSession(), { reason: 'handoff', to: m.id });
    } else if (m.k === 's') {
      const s = toSession(m.s);
      if (!s || ended.has(s.sessionId)) return;
      if (m.reason === 'handoff') {
        const resolve = isStr(m.to) ? pending.get(m.to) : undefined;
        resolve?.(s);
      } else if (m.reason === 'refreshed' || m.reason === 'login') o.onSession(s, m.reason);
    } else if (m.k === 'e' && isStr(m.sid) && !ended.has(m.sid)) {
      if (m.error === undefined) {
        ended.add(m.sid);
        o.onLoggedOut(m.sid);
      } else if (isStr(m.error)) {
        ended.add(m.sid);
        o.onExpired(m.sid, m.error);
      }
    }
  };

  return {
    requestSession(timeoutMs) {
      if (!ch) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const id = randomId();
        const timer = setTimeout(() => done(undefined), clampDelay(timeoutMs));
        const done = (s: SharedSession | undefined) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(s);
        };
        pending.set(id, done);
        post({ k: 'q', id });
      });
    },
    publish: (s, reason) => send(s, { reason }),
    loggedOut: (sid) => end(sid),
    expired: (sid, error) => end(sid, error),
    close() {
      ch?.close();
      ch = undefined;
      for (const done of [...pending.values()]) done(undefined);
    },
  };
}
