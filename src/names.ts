/**
 * Every name spa-auth uses in the browser's shared namespaces, in one place (but the opt-in popup's): sessionStorage
 * keys (never a token), Web Lock names, the BroadcastChannel name and the postMessage type.
 * Two clients on one page (other issuer, client or token settings) never share a name unless
 * they must: the names carry the issuer, the client, or the tab key (see `Config.tabKey`).
 * @module
 */

/** sessionStorage keys. */
export const storageKey = {
  /** Prefix of the one-shot login transactions, one per `state`. */
  transactionPrefix: 'spa-auth.tx.',
  /** The issuer's public discovery metadata. */
  metadata: (issuer: string) => `spa-auth.meta.${issuer}`,
  /** A restore note (`framedPage`, `strayResponse`) of one issuer. */
  note: (name: string, issuer: string) => `spa-auth.${name}.${issuer}`,
  /** When `restoreWithRedirect` last redirected at top level. */
  restoreMark: 'spa-auth.restore',
  /** The `state` of this client's last logout. */
  logout: (issuer: string, clientId: string) => `spa-auth.logout.${JSON.stringify([issuer, clientId])}`,
} as const;

/** Web Lock names. */
export const lockName = {
  /** Held by the tab that renews the session: one renewal per origin and tab key at a time. */
  refresh: (tabKey: string) => `spa-auth:refresh:${tabKey}`,
  /** Prefix of the presence locks that signed-in tabs hold (one per tab: prefix + random id). */
  presencePrefix: (tabKey: string) => `spa-auth:tab:${tabKey}:`,
  /** Held by the tab that spent a login transaction, until its copies have expired. */
  spentState: (state: string) => `spa-auth:state:${state}`,
} as const;

/** The BroadcastChannel that tabs with the same tab key share. */
export const channelName = (tabKey: string): string => `spa-auth:${tabKey}`;

// One name lives with its feature: the popup's channel (`spa-auth:popup:<state>`) is in
// popup.ts, so that an app that does not import the popup does not carry it.

/** The `type` of the message the silent redirect page posts to its parent. */
export const SILENT_MESSAGE = 'spa-auth:silent';

/** The `type` of every tab-sync message. */
export const TAB_MESSAGE = 'spa-auth';

/** Where a window that handed a silent-authorization answer up to its parent keeps its address (a property of that window). */
export const HANDED_UP = Symbol.for('spa-auth.handedUp');
