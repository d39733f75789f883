// The e2e app's silent page (its silentRedirectUri when configured with `silentPage`): only the
// tiny script-tag entry, with the app's own options, as an app's silent page would be. What it
// did ('posted', 'leaving' or 'none') is kept in window.__silent for the test to read.
/* global SpaAuthSilent -- the tiny script-tag entry (dist/silent-callback.iife.min.js), loaded before this file */
(() => {
  const C = window.APP_CONFIG;
  window.__silent = SpaAuthSilent.handleSilentCallback({
    issuer: C.issuer,
    clientId: C.clientId,
    redirectUri: `${location.origin}/callback`,
    silentRedirectUri: `${location.origin}/silent.html`,
  });
})();
