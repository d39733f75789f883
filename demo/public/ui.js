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

  const describe = (err) => (err && err.code ? `${err.code}${err.error ? ` (${err.error})` : ''}: ${err.message}` : String(err));

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
      el.dataset.status = String(res.status);
      el.textContent = `HTTP ${res.status}${res.type === 'opaqueredirect' ? ' opaqueredirect' : ''}\n${body}`;
      el.dataset.state = 'done';
    } catch (err) {
      el.dataset.status = 'error';
      el.dataset.state = 'done';
      el.textContent = `failed: ${describe(err)}`;
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
      log('error', describe(err));
      return;
    }

    const render = () => {
      const user = auth.user;
      const state = auth.isAuthenticated ? 'signed-in' : 'signed-out';
      $('status').textContent = auth.isAuthenticated ? 'signed in' : 'signed out';
      $('status').dataset.state = document.body.dataset.state = state;
      $('user').textContent = user ? `${user.sub}${typeof user.name === 'string' ? ` (${user.name})` : ''}` : '—';
      $('user').dataset.sub = user ? user.sub : '';
      const left = auth.expiresAt === undefined ? undefined : Math.max(0, Math.round((auth.expiresAt - Date.now()) / 1000));
      $('lifetime').textContent = left === undefined ? '—' : `${left} s`;
      $('login').disabled = auth.isAuthenticated;
      $('login-popup').disabled = false; // also a step-up or a switch of user while signed in
      for (const id of ['logout', 'refresh', 'call-api', 'call-redirect', 'userinfo']) $(id).disabled = !auth.isAuthenticated;
      $('call-foreign').disabled = false;
    };

    auth.on('authenticated', ({ user }) => (log('authenticated', user.sub), render()));
    auth.on('tokenRefreshed', ({ expiresAt }) => (log('tokenRefreshed', `expires ${new Date(expiresAt).toLocaleTimeString()}`), render()));
    auth.on('sessionExpired', ({ error }) => (log('sessionExpired', describe(error)), render()));
    auth.on('loggedOut', () => (log('loggedOut'), render()));
    auth.on('error', (err) => log('error', describe(err)));
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
    $('login').onclick = () => auth.login({ appState: appState() }).catch((err) => log('error', describe(err)));
    // No await before loginWithPopup(): the click is what lets the popup open.
    $('login-popup').onclick = () =>
      auth.loginWithPopup().then(
        () => (log('popup', 'login finished'), render()),
        (err) => log('error', describe(err)),
      );
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
    $('logout').onclick = () => auth.logout().catch((err) => log('error', describe(err)));
    $('refresh').onclick = () => auth.getAccessToken({ forceRefresh: true }).then(render, (err) => log('error', describe(err)));
    $('call-api').onclick = () => show('api-result', auth.fetch(`${config.apiUrl}/me`));
    $('call-foreign').onclick = () => show('foreign-result', auth.fetch(`${config.foreignUrl}/echo`));
    $('call-redirect').onclick = () => show('api-result', auth.fetch(`${config.apiUrl}/redirect-to-foreign`));

    try {
      const { authenticated, appState: handedBack } = await auth.init();
      log('init', authenticated ? 'authenticated' : 'not authenticated');
      if (handedBack !== undefined) $('app-state-result').textContent = JSON.stringify(handedBack);
    } catch (err) {
      log('error', describe(err));
    }
    render();
    setInterval(render, 1000);
  }

  window.SpaAuthDemo = { run };
})();
