// Typical use of oidc-client-ts: create a client, handle the callback, start a login, get a
// token and call an API with it.
import { UserManager } from 'oidc-client-ts';

const mgr = new UserManager({
  authority: 'https://id.example.com',
  client_id: 'my-spa',
  redirect_uri: location.origin + '/callback',
  scope: 'openid profile offline_access',
});
if (new URLSearchParams(location.search).has('code')) await mgr.signinRedirectCallback();
let user = await mgr.getUser();
if (!user) await mgr.signinRedirect();
user = await mgr.getUser();
const token = user.access_token;
const res = await fetch('/api/me', { headers: { Authorization: `Bearer ${token}` } });
document.body.textContent = `${token.length} ${res.status}`;
