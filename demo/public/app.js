// ES-module page: the SDK's ESM build, as an app bundler would consume it. Popup login and
// UserInfo are opt-in imports (spa-auth/popup, spa-auth/userinfo), passed to the client.
import { createAuthClient } from '/spa-auth.js';
import { popup } from '/spa-auth-popup.js';
import { userInfo } from '/spa-auth-userinfo.js';

window.SpaAuthDemo.run((options) => createAuthClient({ ...options, popup, userInfo }), 'esm');
