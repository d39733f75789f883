/**
 * Script-tag entry: the IIFE build assigns these named exports to the one global `SpaAuth`.
 * It includes everything: its `createAuthClient` has popup login (`loginWithPopup`) and
 * UserInfo (`getUserInfo`) built in, which ESM apps opt into with `spa-auth/popup` and
 * `spa-auth/userinfo`.
 *
 * @example
 * ```html
 * <script src="/spa-auth.iife.min.js"></script>
 * <script src="/app.js"></script> <!-- SpaAuth.createAuthClient({...}) -->
 * ```
 * @module
 */
import { createAuthClient as create } from './client.js';
import { popup } from './popup.js';
import type { AuthClient, AuthClientOptions } from './types.js';
import { userInfo } from './userinfo.js';

/**
 * {@link create | createAuthClient} with popup login and UserInfo included.
 * @example
 * ```ts
 * const auth = SpaAuth.createAuthClient({ issuer, clientId, redirectUri });
 * await auth.loginWithPopup();
 * ```
 */
export const createAuthClient = (options: AuthClientOptions): AuthClient => create({ popup, userInfo, ...options });
export { AuthError, isAuthError } from './errors.js';
