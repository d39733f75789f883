// The page the SDK's hidden iframe (prompt=none) lands on. The SDK notices it runs in that
// iframe and hands the authorization response to the parent; this page shows nothing.
(async () => {
  const res = await fetch('/config.json?page=silent');
  const { client } = await res.json();
  await window.SpaAuth.createAuthClient(client).init();
})().catch(() => {});
