/**
 * `spa-auth/dpop`: DPoP (RFC 9449) for ES-module apps, an opt-in import. An app that never
 * binds its tokens to a key does not carry the key generation and proof signing (most of it
 * oauth4webapi's DPoP functions); one that does passes this value as the `dpop` option. The
 * script-tag bundle includes it (`dpop: true` there).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449
 * @example
 * ```ts
 * import { createAuthClient } from 'spa-auth';
 * import { dpop } from 'spa-auth/dpop';
 * const auth = createAuthClient({ issuer, clientId, redirectUri, dpop });
 * ```
 * @module
 */
import { createDPoPSession } from './dpop.js';
import type { DPoPFeature } from './features.js';
import type { DPoPSupport } from './types.js';

/**
 * DPoP support: pass it as the `dpop` option, and the client binds every session's tokens to a
 * non-extractable ES256 key pair of its own, with a fresh proof on each token, revocation and
 * `auth.fetch` request.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4
 * @example
 * ```ts
 * const auth = createAuthClient({ issuer, clientId, redirectUri, dpop });
 * ```
 */
export const dpop: DPoPSupport = { feature: 'dpop', create: createDPoPSession } as DPoPFeature;
