/**
 * Script-tag entry: the IIFE build assigns these named exports to the one global `SpaAuth`.
 *
 * @example
 * ```html
 * <script src="/spa-auth.iife.min.js"></script>
 * <script src="/app.js"></script> <!-- SpaAuth.createAuthClient({...}) -->
 * ```
 * @module
 */
export { createAuthClient } from './client.js';
export { AuthError, isAuthError } from './errors.js';
