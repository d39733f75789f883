/**
 * Script-tag entry: the IIFE build assigns these named exports to the one global `SpaAuth`.
 * It includes everything: its `createAuthClient` has popup login (`loginWithPopup`) and
 * UserInfo (`getUserInfo`) built in, and takes `dpop: true`, where ES-module apps opt into
 * `spa-auth/popup`, `spa-auth/userinfo` and `spa-auth/dpop` by import.
 *
 * @example
 * ```html
 * <script src="/spa-auth.iife.min.js"></script>
 * <script src="/app.js"></script> <!-- SpaAuth.createAuthClient({...}) -->
 * ```
 * @module
 */
import { createAuthClient as create } from './client.js';
import { dpop } from './dpop-support.js';
import { popup } from './popup.js';
import type { AuthClient, AuthClientOptions } from './types.js';
import { userInfo } from './userinfo.js';

/** The script-tag bundle's options: `dpop` may be a plain boolean, since DPoP support is built in. */
export type ScriptTagOptions = Omit<AuthClientOptions, 'dpop'> & { dpop?: boolean };

/**
 * {@link create | createAuthClient} with popup login, UserInfo and DPoP included.
 * @example
 * ```ts
 * const auth = SpaAuth.createAuthClient({ issuer, clientId, redirectUri, dpop: true });
 * await auth.loginWithPopup();
 * ```
 */
export const createAuthClient = (options: ScriptTagOptions): AuthClient => {
  const given = { popup, userInfo, ...options } as AuthClientOptions;
  return create(options?.dpop === true ? { ...given, dpop } : given);
};
export { AuthError, isAuthError } from './errors.js';
