/**
 * What spa-auth keeps in sessionStorage, never a token. The one-shot login transaction:
 * `state`, `nonce`, PKCE verifier, `returnTo` and a snapshot of the (public) server metadata,
 * kept from `login()` until the callback consumes it; consumed before the code is exchanged,
 * deleted on any failure, and ignored when older than 10 minutes. And the public discovery
 * metadata, for an hour, so a reload does not rediscover.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4 (single-use state)
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-8.5
 * @module
 */
import { clampDelay, systemNow as now } from './clock.js';
import { lockName, storageKey } from './names.js';
import { must } from './errors.js';

/** What `login()` stores and the callback needs. */
export interface Transaction {
  state: string;
  nonce: string;
  verifier: string;
  issuer: string;
  clientId: string;
  redirectUri: string;
  returnTo?: string | undefined;
  /** The app's `appState` (see {@link checkAppState}); never sent to the provider. */
  appState?: unknown;
  maxAge?: number | undefined;
  /** The `acr_values` asked for: the ID token's `acr` must be one of them. */
  acrValues?: string | undefined;
  /** A `prompt=none` restore: an error answer means "not signed in", not a failure. */
  restore?: boolean | undefined;
  /** The discovery metadata, so the callback page needs no discovery round trip. */
  metadata: Record<string, unknown>;
  createdAt: number;
}

/** Where validated metadata may be kept between page loads (it is public; never a token). */
export interface MetadataCache {
  get(): unknown;
  set(metadata: object): void;
}

/** The largest `appState` kept, in bytes of UTF-8 JSON. */
export const APP_STATE_MAX = 4096;

/**
 * Refuses (`invalid_config`) an `appState` that is not a JSON value of at most
 * {@link APP_STATE_MAX} bytes once serialised: something `JSON.stringify` refuses (a cycle, a
 * BigInt) or drops (a function, a symbol). The transaction keeps the value itself.
 * @example
 * ```ts
 * checkAppState({ tab: 'orders' }); // fine
 * ```
 */
export function checkAppState(value: unknown): void {
  let json: unknown;
  try {
    json = JSON.stringify(value);
  } catch {
    // a cycle or a BigInt: refused below
  }
  must(
    value === undefined || (typeof json === 'string' && new Blob([json]).size <= APP_STATE_MAX),
    'bad appState',
    'invalid_config',
  );
}

/** A transaction older than this is refused. */
export const TRANSACTION_TTL = 10 * 60_000;
const PREFIX = storageKey.transactionPrefix;

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

/** A stored transaction, or undefined when unreadable, expired, or not from this clock's last 10 minutes (+1 min skew). */
function read(store: Store, key: string, now: number): Transaction | undefined {
  try {
    const tx = JSON.parse(store.getItem(key)!) as Transaction | null;
    return typeof tx?.state === 'string' &&
      typeof tx.createdAt === 'number' &&
      now - tx.createdAt < TRANSACTION_TTL &&
      now >= tx.createdAt - 60_000
      ? tx
      : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes every transaction that is expired or unreadable, and those `drop` picks (logout: the client's own). */
export function sweep(store: Store, now: number, drop?: (tx: Transaction) => boolean): void {
  for (let i = store.length; i--;) {
    const key = store.key(i);
    const tx = key?.startsWith(PREFIX) ? read(store, key, now) : false; // false: not a transaction
    if (tx === undefined || (tx && drop?.(tx))) store.removeItem(key!);
  }
}

/** Saves a transaction under a key of its own `state`, so parallel logins never clobber each other. */
export function saveTransaction(store: Store, tx: Transaction): void {
  sweep(store, tx.createdAt);
  store.setItem(PREFIX + tx.state, JSON.stringify(tx));
}

/**
 * The stored transaction for `state`, left in place: undefined when unknown, already used,
 * expired, unreadable, or when storage is blocked. The caller checks whose it is (another
 * client on the page may share the redirect URI) before it {@link spendTransaction}s it.
 */
export function findTransaction(store: () => Store, state: string, now: number): Transaction | undefined {
  try {
    const tx = read(store(), PREFIX + state, now);
    return tx?.state === state ? tx : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The newest live transaction that `pick` accepts, left in place; undefined when there is none
 * or storage is blocked.
 */
export function newestTransaction(
  store: () => Store,
  now: number,
  pick: (tx: Transaction) => boolean,
): Transaction | undefined {
  try {
    const s = store();
    let newest: Transaction | undefined;
    for (let i = s.length; i--;) {
      const key = s.key(i);
      const tx = key?.startsWith(PREFIX) ? read(s, key, now) : undefined;
      if (tx && pick(tx) && !(newest && newest.createdAt > tx.createdAt)) newest = tx;
    }
    return newest;
  } catch {
    return undefined;
  }
}

/** Deletes the transaction for `state`, whatever it held, before anything else happens with it; and every expired one. */
export function spendTransaction(store: Store, state: string, now: number): void {
  store.removeItem(PREFIX + state);
  sweep(store, now);
}

/**
 * Makes a consumed transaction single use across tabs too. "Duplicate tab" and `window.open`
 * copy sessionStorage, transaction included: the first tab to claim a transaction holds a Web
 * Lock named after its spent `state` until any copy has expired, and a copy's claim fails.
 * Claim before the token request: a code presented twice makes the provider revoke what it
 * issued for it, which would end the first tab's session. Without Web Locks (or when the
 * request fails) it resolves true, and the provider's single-use code is the only guard.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2 (a reused code revokes its tokens)
 * @example
 * ```ts
 * must(await claimTransaction(navigator.locks, tx, Date.now()), 'callback used in another tab', 'invalid_state');
 * ```
 */
export function claimTransaction(
  locks: Pick<LockManager, 'request'> | undefined,
  tx: Transaction,
  now: number,
): Promise<boolean> {
  return new Promise((claimed) => {
    if (!locks?.request) return claimed(true);
    locks
      .request(lockName.spentState(tx.state), { ifAvailable: true }, (lock) => {
        claimed(!!lock);
        return lock && new Promise((release) => setTimeout(release, clampDelay(tx.createdAt + TRANSACTION_TTL - now)));
      })
      .catch(() => claimed(true));
  });
}

/**
 * The issuer's public discovery metadata, kept for an hour in this tab's sessionStorage so a
 * reload does not rediscover (the protocol re-validates it before use). A read failure only
 * means rediscovery; a write failure (storage full or blocked) only means discovery next time.
 * @example
 * ```ts
 * const protocol = createProtocol(config, metadataCache(() => sessionStorage, config.issuer));
 * ```
 */
export function metadataCache(storage: () => Store, issuer: string): MetadataCache {
  const key = storageKey.metadata(issuer);
  return {
    get() {
      const cached = JSON.parse(storage().getItem(key)!) as { as: unknown; at: number };
      return now() - cached.at < 3_600_000 ? cached.as : undefined;
    },
    set(as) {
      try {
        storage().setItem(key, JSON.stringify({ as, at: now() }));
      } catch {
        // discovery simply runs again next time
      }
    },
  };
}
