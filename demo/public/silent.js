// The page the SDK's hidden iframe (prompt=none) lands on. The SDK notices it runs in that
// iframe and hands the authorization response to the parent; this page shows nothing. Loaded at
// top level with a response nobody waits for, init() sends the user on to the app instead.
(async () => {
  const res = await fetch('/config.json?page=silent');
  const { client } = await res.json();
  await window.SpaAuth.createAuthClient(client).init();
})().catch(() => {});
