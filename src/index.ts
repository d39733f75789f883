/**
 * spa-auth: OAuth 2.0 / OpenID Connect for browser apps. Authorization Code + PKCE, tokens in
 * memory only, silent renewal shared by every tab, and a `fetch` that attaches tokens only
 * to the API origins it is given.
 *
 * @example
 * ```ts
 * import { createAuthClient, isAuthError } from 'spa-auth';
 * const auth = createAuthClient({ issuer: 'https://id.example.com', clientId: 'my-spa', redirectUri: location.origin + '/' });
 * await auth.init();
 * ```
 * @packageDocumentation
 */
export { createAuthClient } from './client.js';
export { AuthError, isAuthError } from './errors.js';
export type { AuthErrorCode } from './errors.js';
export type {
  AuthClient,
  AuthClientOptions,
  AuthEventName,
  AuthSnapshot,
  DPoPSupport,
  AuthEvents,
  GetAccessTokenOptions,
  InitResult,
  LoginOptions,
  LogoutOptions,
  PopupLoginOptions,
  PopupSupport,
  User,
  UserInfoSupport,
} from './types.js';
