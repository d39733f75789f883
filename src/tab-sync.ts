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
import { TAB_MESSAGE } from './names.js';
import type { Tokens } from './session.js';
import { MAX_OFFSET } from './provider-clock.js';

/** Why a session arrived: answer to our request, a peer's refresh, or a peer's login. */
export type SessionReason = 'handoff' | 'refreshed' | 'login';

/** Options for {@link createTabSync}. */
export interface TabSyncOptions {
  channelName: string;
  /** Answer to a peer's handoff request; undefined = we have nothing (don't answer). */
  getSession: () => Tokens | undefined;
  /** A peer's `'refreshed'` or `'login'` broadcast (adopt: the client decides). Handoff answers resolve {@link TabSync.requestSession} instead. */
  onSession: (s: Tokens, reason: SessionReason) => void;
  onLoggedOut: (sessionId: string) => void;
  onExpired: (sessionId: string, error: string) => void;
  /** Injectable constructor; default globalThis.BroadcastChannel; when missing, every method is a harmless no-op and requestSession resolves undefined. `null` (or an explicit `undefined`) switches sharing off. */
  BroadcastChannel?: typeof BroadcastChannel | null;
  /**
   * The ids of sessions that ended, here or in another tab (default: a set of its own). The
   * session controller passes the set it owns, so both sides agree on which sessions are over.
   */
  ended?: Set<string> | undefined;
}

/** The handle returned by {@link createTabSync}. */
export interface TabSync {
  /**
   * Asks live tabs for the session (no network). Resolves the newest (highest `rotation`) of the
   * valid answers once `answers` of them arrived (default 1), or whatever arrived by `timeoutMs`.
   */
  requestSession(timeoutMs: number, answers?: number): Promise<Tokens | undefined>;
  publish(s: Tokens, reason: 'refreshed' | 'login'): void;
  loggedOut(sessionId: string): void;
  expired(sessionId: string, error: string): void;
  close(): void;
}

/** Untrusted message data, checked field by field before use. */
type Untrusted = Record<string, unknown>;

const TYPE = TAB_MESSAGE;

/**
 * A plain object: no primitive, array or other class instance. Structured clone only makes
 * ordinary objects, and our own sessions come from JSON (whose keys may be anything, a claim
 * named `constructor` included): the prototype is what tells.
 */
const isPlain = (x: unknown): x is Untrusted =>
  typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
const isStr = (x: unknown): x is string => typeof x === 'string' && x !== '';
const isOpt = (x: unknown): x is string | undefined => x === undefined || isStr(x);
const isNum = (x: unknown): x is number => Number.isFinite(x);
const isKey = (k: unknown, type: KeyType): k is CryptoKey =>
  typeof CryptoKey !== 'undefined' && k instanceof CryptoKey && k.type === type;
/** CryptoKeys of one algorithm, the private key non-extractable. */
const isKeyPair = (k: unknown): boolean => {
  if (typeof k !== 'object' || k === null) return false;
  const { privateKey, publicKey } = k as Partial<Record<keyof CryptoKeyPair, unknown>>;
  return (
    isKey(privateKey, 'private') &&
    isKey(publicKey, 'public') &&
    !privateKey.extractable &&
    publicKey.extractable &&
    privateKey.algorithm.name === publicKey.algorithm.name
  );
};

/** What every field of a {@link Tokens} must be; `s` is the whole (untrusted) session. A session that ended is refused too. */
const FIELDS: Record<keyof Tokens, (v: unknown, s: Untrusted, ended: Set<string>) => boolean> = {
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
  dpopKeys: (k, s) => (k === undefined ? s.tokenType !== 'DPoP' : isKeyPair(k)),
};

/** Rebuilds a live session from an untrusted message value (known fields only), or returns undefined if anything is off. */
function toSession(x: unknown, ended: Set<string>): Tokens | undefined {
  if (!isPlain(x)) return;
  const s: Untrusted = {};
  for (const k in FIELDS) {
    const v = x[k];
    if (!FIELDS[k as keyof Tokens](v, x, ended)) return;
    if (v !== undefined) s[k] = v;
  }
  return s as unknown as Tokens; // every field checked by FIELDS above
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
export function createTabSync(options: TabSyncOptions): TabSync {
  const BC = 'BroadcastChannel' in options ? options.BroadcastChannel : globalThis.BroadcastChannel;
  let ch: BroadcastChannel | null | undefined = BC && new BC(options.channelName);
  const pending = new Map<string, (s?: Tokens) => void>();
  const ended = options.ended ?? new Set<string>();

  const post = (m: Untrusted) => {
    try {
      ch?.postMessage({ type: TYPE, v: 1, ...m });
    } catch {
      // not clonable or channel closing: peers simply don't hear it
    }
  };
  /** Sends only validated fields of a session that has not ended. */
  const send = (x: Tokens | undefined, m: Untrusted) => {
    const s = toSession(x, ended);
    if (s) post({ k: 's', s, ...m });
  };
  /** Ends `sid` here and everywhere; `error` undefined means logout. (The client always passes its own, valid sessionId.) */
  const end = (sid: string, error?: string) => {
    ended.add(sid);
    post({ k: 'e', sid, error });
  };

  if (ch)
    ch.onmessage = ({ data: m }: MessageEvent) => {
      if (!isPlain(m) || m.type !== TYPE || m.v !== 1) return;
      const { k, sid, error, reason, id, to } = m;
      const s = k === 's' && toSession(m.s, ended);
      if (k === 'q') {
        // pending holds our own requests: never answer ourselves
        if (isStr(id) && !pending.has(id)) send(options.getSession(), { reason: 'handoff', to: id });
      } else if (s) {
        // `to` of another type never matches a key: ids are strings
        if (reason === 'handoff') {
          if (isStr(to)) pending.get(to)?.(s);
        } else if (reason === 'refreshed' || reason === 'login') options.onSession(s, reason);
      } else if (k === 'e' && isStr(sid) && !ended.has(sid) && isOpt(error)) {
        ended.add(sid);
        if (error === undefined) options.onLoggedOut(sid);
        else options.onExpired(sid, error);
      }
    };

  return {
    requestSession: (timeoutMs, answers = 1) =>
      new Promise((resolve) => {
        if (!ch) return resolve(undefined);
        // 128 random bits: a request id only (not a secret)
        const id = crypto.getRandomValues(new Uint32Array(4)).join();
        let newest: Tokens | undefined;
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
