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
import { MAX_OFFSET } from './provider-clock.js';

/** A session as it travels between tabs. */
export interface SharedSession {
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
  refreshToken?: string;
  idToken: string;
  claims: { sub: string; [k: string]: unknown };
  scope?: string;
  /** Structured-clonable CryptoKeys; the private key must be non-extractable. */
  dpopKeys?: CryptoKeyPair;
  /** The provider's clock minus this device's (ms), as the sending tab knows it; at most a day either way. */
  clockOffset?: number;
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
  /**
   * Asks live tabs for the session (no network). Resolves the newest (highest `rotation`) of the
   * valid answers once `answers` of them arrived (default 1), or whatever arrived by `timeoutMs`.
   */
  requestSession(timeoutMs: number, answers?: number): Promise<SharedSession | undefined>;
  publish(s: SharedSession, reason: 'refreshed' | 'login'): void;
  loggedOut(sessionId: string): void;
  expired(sessionId: string, error: string): void;
  close(): void;
}

// Untrusted message data, checked field by field before use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Rec = Record<string, any>;

const TYPE = 'spa-auth';

/**
 * A plain object: no primitive, array or other class instance. Structured clone only makes
 * ordinary objects, and our own sessions come from JSON (whose keys may be anything, a claim
 * named `constructor` included): the prototype is what tells.
 */
const isPlain = (x: unknown): x is Rec => typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
const isStr = (x: unknown): x is string => typeof x === 'string' && x !== '';
const isOpt = (x: unknown) => x === undefined || isStr(x);
const isNum = Number.isFinite;
const isKey = (k: unknown, type: KeyType) => typeof CryptoKey !== 'undefined' && k instanceof CryptoKey && k.type === type;

/** What every field of a {@link SharedSession} must be; `s` is the whole (untrusted) session. A session that ended is refused too. */
const FIELDS: Record<keyof SharedSession, (v: Rec[string], s: Rec, ended: Set<string>) => boolean> = {
  sessionId: (id, _, ended) => isStr(id) && !ended.has(id),
  accessToken: isStr,
  tokenType: (t) => t === 'Bearer' || t === 'DPoP',
  expiresAt: isNum,
  issuedAt: isNum,
  rotation: isNum,
  refreshToken: isOpt,
  idToken: isStr,
  claims: (c) => isPlain(c) && isStr(c.sub),
  scope: isOpt,
  clockOffset: (x) => x === undefined || (isNum(x) && Math.abs(x) <= MAX_OFFSET),
  // DPoP tokens need their keys; keys must be CryptoKeys with a non-extractable private key.
  dpopKeys: (k, s) =>
    k === undefined
      ? s.tokenType !== 'DPoP'
      : isKey(k?.privateKey, 'private') && isKey(k.publicKey, 'public') && !k.privateKey.extractable && k.publicKey.extractable && k.privateKey.algorithm.name === k.publicKey.algorithm.name,
};

/** Rebuilds a live session from an untrusted message value (known fields only), or returns undefined if anything is off. */
function toSession(x: unknown, ended: Set<string>): SharedSession | undefined {
  if (!isPlain(x)) return;
  const s: Rec = {};
  for (const k in FIELDS) {
    const v = x[k];
    if (!FIELDS[k as keyof SharedSession](v, x, ended)) return;
    if (v !== undefined) s[k] = v;
  }
  return s as SharedSession;
}

/**
 * Opens the tab-sync channel. Handoff answers resolve {@link TabSync.requestSession} (they do not
 * call `onSession`); `'refreshed'` and `'login'` broadcasts call `onSession`. Once a sessionId has
 * ended (sent or received), every later message about it is ignored and it is never answered or
 * published again. A tab never answers its own requests.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2 (one refresh token, one holder)
 * @example
 * ```ts
 * const sync = createTabSync({ channelName: `spa-auth:${config.tabKey}`, getSession, onSession,
 *   onLoggedOut, onExpired });
 * const s = await sync.requestSession(300); // a sibling tab's session, or undefined
 * ```
 */
export function createTabSync(o: TabSyncOptions): TabSync {
  const BC = 'BroadcastChannel' in o ? o.BroadcastChannel : globalThis.BroadcastChannel;
  let ch: BroadcastChannel | null | undefined = BC && new BC(o.channelName);
  const pending = new Map<string, (s?: SharedSession) => void>();
  const ended = new Set<string>();

  const post = (m: Rec) => {
    try {
      ch?.postMessage({ type: TYPE, v: 1, ...m });
    } catch {
      // not clonable or channel closing: peers simply don't hear it
    }
  };
  /** Sends only validated fields of a session that has not ended. */
  const send = (x: SharedSession | undefined, m: Rec) => {
    const s = toSession(x, ended);
    if (s) post({ k: 's', s, ...m });
  };
  /** Ends `sid` here and everywhere; `error` undefined means logout. (The client always passes its own, valid sessionId.) */
  const end = (sid: string, error?: string) => {
    ended.add(sid);
    post({ k: 'e', sid, error });
  };

  if (ch) ch.onmessage = ({ data: m }: MessageEvent) => {
    if (!isPlain(m) || m.type !== TYPE || m.v !== 1) return;
    const { k, sid, error, reason, id, to } = m;
    const s = k === 's' && toSession(m.s, ended);
    if (k === 'q') {
      // pending holds our own requests: never answer ourselves
      if (isStr(id) && !pending.has(id)) send(o.getSession(), { reason: 'handoff', to: id });
    } else if (s) {
      // `to` of another type never matches a key: ids are strings
      if (reason === 'handoff') pending.get(to)?.(s);
      else if (reason === 'refreshed' || reason === 'login') o.onSession(s, reason);
    } else if (k === 'e' && isStr(sid) && !ended.has(sid) && isOpt(error)) {
      ended.add(sid);
      if (error === undefined) o.onLoggedOut(sid);
      else o.onExpired(sid, error);
    }
  };

  return {
    requestSession: (timeoutMs, answers = 1) =>
      new Promise((resolve) => {
        if (!ch) return resolve(undefined);
        // 128 random bits: a request id only (not a secret)
        const id = crypto.getRandomValues(new Uint32Array(4)).join();
        let newest: SharedSession | undefined;
        const done = () => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(newest);
        };
        const timer = setTimeout(done, clampDelay(timeoutMs));
        pending.set(id, (s) => {
          if (s && s.rotation > (newest?.rotation ?? -Infinity)) newest = s;
          if (!s || --answers < 1) done();
        });
        post({ k: 'q', id });
      }),
    publish: (s, reason) => send(s, { reason }),
    loggedOut: end,
    expired: end,
    close() {
      ch?.close();
      ch = undefined;
      pending.forEach((done) => done());
    },
  };
}
