// The demo UI, shared by the ES-module page and the script-tag page. A classic script: it only
// defines window.SpaAuthDemo.run(createAuthClient, page); each page passes its build's factory.
// It never reads or shows a token: only `auth.user`, `auth.expiresAt` and API responses.
(() => {
  'use strict';
  const DPOP_PREF = 'spa-auth-demo:dpop'; // a UI preference ('0' / '1'), not a secret

  const $ = (id) => document.getElementById(id);
  const time = () => new Date().toLocaleTimeString();

  function log(event, detail) {
    const li = document.createElement('li');
    li.dataset.event = event;
    li.textContent = `${time()}  ${event}${detail ? `  ${detail}` : ''}`;
    $('log').prepend(li);
  }

  const describe = (err) =>
    err && err.code ? `${err.code}${err.error ? ` (${err.error})` : ''}: ${err.message}` : String(err);
  const clock = (ms) => new Date(ms).toLocaleTimeString();

  /** What a developer can do about each AuthError code, in the demo. */
  const WHAT_TO_DO = {
    invalid_config:
      'A client option is wrong; the message names it. Fix the options given to createAuthClient (for this demo, demo/pages.mjs).',
    login_required: 'There is no session, or it has ended: press "Log in".',
    invalid_state:
      'This sign-in answer was already used, has expired, or belongs to another tab: press "Log in" to start again.',
    invalid_response:
      "The provider's answer failed a check (the message says which): check the provider's settings (issuer, redirect URIs, signing keys).",
    oauth_error:
      'The provider refused the request: see its error above. After access_denied, log in again and accept; after invalid_request, check that the redirect URI is registered (npm run demo -- --redirect-uri <url>).',
    network_error:
      'The provider or the API could not be reached: is `npm run demo` still running? Renewals are retried by themselves.',
    timeout: 'The provider did not answer in time. Renewals are retried by themselves; try the action again.',
  };

  /** The error banner at the top of the page: code, message and what to do, until dismissed. */
  function banner() {
    let el = $('error-banner');
    if (el) return el;
    el = document.createElement('div');
    el.id = 'error-banner';
    el.className = 'banner';
    el.setAttribute('role', 'alert');
    el.hidden = true;
    const code = document.createElement('strong');
    code.className = 'code';
    const message = document.createElement('span');
    message.className = 'message';
    const fix = document.createElement('p');
    fix.className = 'fix';
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'dismiss';
    close.textContent = 'Dismiss';
    close.onclick = () => (el.hidden = true);
    el.append(code, message, fix, close);
    document.querySelector('main').prepend(el);
    return el;
  }

  function showError(err) {
    const el = banner();
    const code = err && typeof err.code === 'string' ? err.code : 'error';
    el.dataset.code = code;
    el.querySelector('.code').textContent = err && err.error ? `${code} (${err.error})` : code;
    const description = err && err.errorDescription ? ` (${err.errorDescription})` : '';
    el.querySelector('.message').textContent = `${err && err.message ? err.message : String(err)}${description}`;
    el.querySelector('.fix').textContent =
      `What to do: ${WHAT_TO_DO[code] || 'see the event log below and the browser console.'}`;
    el.hidden = false;
  }

  /** Logs an error in the event log and shows it in the banner. */
  function fail(err) {
    log('error', describe(err));
    showError(err);
  }

  /** The access token's expiry as a time of day, right after the seconds left (#lifetime). */
  function expiresAt() {
    let el = $('expires-at');
    if (!el) {
      el = document.createElement('span');
      el.id = 'expires-at';
      $('lifetime').after(el);
    }
    return el;
  }

  /** Back to "nothing called yet": after a logout, no tab keeps showing the last answers. */
  function clearResults() {
    for (const id of ['api-result', 'foreign-result']) {
      const el = $(id);
      delete el.dataset.state;
      delete el.dataset.status;
      el.textContent = '—';
    }
  }

  async function loadConfig(page) {
    const query = new URLSearchParams(location.search);
    if (query.has('dpop')) sessionStorage.setItem(DPOP_PREF, query.get('dpop') === '1' ? '1' : '0');
    const pref = sessionStorage.getItem(DPOP_PREF);
    const res = await fetch(`/config.json?page=${page}${pref ? `&dpop=${pref}` : ''}`);
    if (!res.ok) throw new Error(`config.json: ${res.status}`);
    return res.json();
  }

  /** Shows a response: status, and the JSON body (the API never echoes a token). */
  async function show(target, promise) {
    const el = $(target);
    el.dataset.state = 'pending';
    el.textContent = '…';
    try {
      const res = await promise;
      const text = res.type === 'opaqueredirect' ? '(redirect not followed)' : await res.text();
      let body = text;
      try {
        body = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // not JSON: show as is
      }
      // `exp` (epoch seconds) as a time of day, on the status line: the JSON below stays as sent
      let exp = '';
      try {
        const value = JSON.parse(text).exp;
        if (typeof value === 'number')
          exp = ` · token expires at ${clock(value * 1000)} (exp ${value}, in ${Math.round(value - Date.now() / 1000)} s)`;
      } catch {
        // not JSON
      }
      el.dataset.status = String(res.status);
      el.textContent = `HTTP ${res.status}${res.type === 'opaqueredirect' ? ' opaqueredirect' : ''}${exp}\n${body}`;
      el.dataset.state = 'done';
    } catch (err) {
      el.dataset.status = 'error';
      el.dataset.state = 'done';
      el.textContent = `failed: ${describe(err)}`;
      showError(err);
    }
  }

  async function run(createAuthClient, page) {
    let auth;
    let config;
    try {
      config = await loadConfig(page);
      auth = createAuthClient(config.client);
      window.SpaAuthDemo.auth = auth; // for the browser console (and the e2e tests)
    } catch (err) {
      $('status').textContent = `cannot start: ${describe(err)}`;
      $('status').dataset.state = document.body.dataset.state = 'error';
      fail(err);
      return;
    }

    const render = () => {
      const user = auth.user;
      const state = auth.isAuthenticated ? 'signed-in' : 'signed-out';
      $('status').textContent = auth.isAuthenticated ? 'signed in' : 'signed out';
      $('status').dataset.state = document.body.dataset.state = state;
      $('user').textContent = user ? `${user.sub}${typeof user.name === 'string' ? ` (${user.name})` : ''}` : '—';
      $('user').dataset.sub = user ? user.sub : '';
      const left =
        auth.expiresAt === undefined ? undefined : Math.max(0, Math.round((auth.expiresAt - Date.now()) / 1000));
      $('lifetime').textContent = left === undefined ? '—' : `${left} s`;
      expiresAt().textContent = left === undefined ? '' : ` (at ${clock(auth.expiresAt)})`;
      $('login').disabled = auth.isAuthenticated;
      $('login-popup').disabled = false; // also a step-up or a switch of user while signed in
      for (const id of ['logout', 'refresh', 'call-api', 'call-redirect', 'userinfo'])
        $(id).disabled = !auth.isAuthenticated;
      $('call-foreign').disabled = false;
    };

    auth.on('authenticated', ({ user }) => (log('authenticated', user.sub), render()));
    auth.on('tokenRefreshed', ({ expiresAt }) => (log('tokenRefreshed', `expires ${clock(expiresAt)}`), render()));
    auth.on(
      'sessionExpired',
      ({ error }) => (log('sessionExpired', describe(error)), showError(error), clearResults(), render()),
    );
    auth.on('loggedOut', () => (log('loggedOut'), clearResults(), render()));
    auth.on('error', (err) => (log('error', describe(err)), showError(err)));
    auth.on('stepUpRequired', ({ acrValues }) => log('stepUpRequired', acrValues || ''));
    auth.on('insufficientScope', ({ scope }) => log('insufficientScope', scope || ''));

    $('dpop').checked = Boolean(config.client.dpop);
    $('dpop').onchange = () => location.assign(`${location.pathname}?dpop=${$('dpop').checked ? 1 : 0}`);
    /** The app state typed in, for login(); a text that is not JSON is passed as a string. */
    const appState = () => {
      const text = $('app-state').value.trim();
      if (!text) return undefined;
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    };
    $('login').onclick = () => auth.login({ appState: appState() }).catch(fail);
    // No await before loginWithPopup(): the click is what lets the popup open.
    $('login-popup').onclick = () => auth.loginWithPopup().then(() => (log('popup', 'login finished'), render()), fail);
    $('userinfo').onclick = async () => {
      const el = $('userinfo-result');
      el.dataset.state = 'pending';
      try {
        el.textContent = JSON.stringify(await auth.getUserInfo(), null, 2);
        el.dataset.status = 'ok';
      } catch (err) {
        el.textContent = `failed: ${describe(err)}`;
        el.dataset.status = err && err.code ? err.code : 'error';
      }
      el.dataset.state = 'done';
    };
    $('logout').onclick = () => auth.logout().catch(fail);
    $('refresh').onclick = () => auth.getAccessToken({ forceRefresh: true }).then(render, fail);
    $('call-api').onclick = () => show('api-result', auth.fetch(`${config.apiUrl}/me`));
    $('call-foreign').onclick = () => show('foreign-result', auth.fetch(`${config.foreignUrl}/echo`));
    $('call-redirect').onclick = () => show('api-result', auth.fetch(`${config.apiUrl}/redirect-to-foreign`));

    try {
      const { authenticated, appState: handedBack } = await auth.init();
      log('init', authenticated ? 'authenticated' : 'not authenticated');
      if (handedBack !== undefined) $('app-state-result').textContent = JSON.stringify(handedBack);
    } catch (err) {
      fail(err);
    }
    render();
    setInterval(render, 1000);
  }

  window.SpaAuthDemo = { run };
})();
