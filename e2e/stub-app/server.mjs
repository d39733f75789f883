// Serves the e2e app page (e2e/stub-app/app.js over the script-tag build) on its own
// 127.0.0.1 origin: every path is the app, so the tests can tell where the browser ended up by
// its URL alone; but /silent.html, the silent page (e2e/stub-app/silent.js over the tiny
// script-tag entry, dist/silent-callback.iife.min.js, without the SDK).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { listenLoopback } from '../../demo/http-util.mjs';

/** The files served as they are, by path. */
const FILES = {
  '/spa-auth.iife.min.js': fileURLToPath(new URL('../../dist/spa-auth.iife.min.js', import.meta.url)),
  '/silent-callback.iife.min.js': fileURLToPath(new URL('../../dist/silent-callback.iife.min.js', import.meta.url)),
  '/app.js': fileURLToPath(new URL('./app.js', import.meta.url)),
  '/silent.js': fileURLToPath(new URL('./silent.js', import.meta.url)),
};
const HTML =
  '<!doctype html><meta charset="utf-8"><title>app</title><body data-state="loading"><script src="/spa-auth.iife.min.js"></script><script src="/config.js"></script><script src="/app.js"></script></body>';
const SILENT_HTML =
  '<!doctype html><meta charset="utf-8"><title>silent</title><script src="/silent-callback.iife.min.js"></script><script src="/config.js"></script><script src="/silent.js"></script>';

/**
 * @param {{ issuer?: string, clientId?: string, silentPage?: boolean }} [config] what app.js reads; `configure` changes it later
 * @returns {Promise<{ url: string, requests: string[], configure: (c: object) => void, stop: () => Promise<void> }>}
 */
export async function startStubApp(config = {}) {
  const settings = { ...config };
  const requests = [];
  const server = await listenLoopback(async (req, res) => {
    const { pathname, search } = new URL(req.url, 'http://x');
    requests.push(pathname + search);
    const send = (type, body) =>
      res
        .writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
        .end(body);
    if (FILES[pathname]) return send('text/javascript', await readFile(FILES[pathname]));
    if (pathname === '/config.js') return send('text/javascript', `window.APP_CONFIG=${JSON.stringify(settings)};`);
    if (pathname === '/favicon.ico') return res.writeHead(404).end();
    return send('text/html; charset=utf-8', pathname === '/silent.html' ? SILENT_HTML : HTML);
  });
  return { url: server.url, requests, configure: (c) => void Object.assign(settings, c), stop: server.stop };
}
