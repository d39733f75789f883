// ES-module page: the SDK's ESM build, as an app bundler would consume it. Popup login,
// UserInfo and DPoP are opt-in imports (spa-auth/popup, spa-auth/userinfo, spa-auth/dpop),
// passed to the client; the demo's config says `dpop: true` when DPoP is switched on.
import { createAuthClient } from '/spa-auth.js';
import { dpop } from '/spa-auth-dpop.js';
import { popup } from '/spa-auth-popup.js';
import { userInfo } from '/spa-auth-userinfo.js';

window.SpaAuthDemo.run(
  (options) => createAuthClient({ ...options, popup, userInfo, dpop: options.dpop === true && dpop }),
  'esm',
);
