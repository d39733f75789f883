// The page the SDK's hidden iframe (prompt=none) lands on. It loads only the tiny script-tag
// entry (/silent-callback.iife.min.js, global SpaAuthSilent), not the whole SDK: in the iframe
// it hands the authorization response to the parent, which checks it and exchanges the code;
// loaded at top level with a response nobody waits for, it sends the user on to the app. It
// shows nothing and takes the same client options as the app's pages.
(async () => {
  const res = await fetch('/config.json?page=silent');
  const { client } = await res.json();
  window.SpaAuthSilent.handleSilentCallback(client);
})().catch(() => {});
