// Small helpers shared by the demo servers: listen on loopback only, stop for real.
import { createServer } from 'node:http';

/**
 * Starts an HTTP server on 127.0.0.1 (never another interface).
 * @param {import('node:http').RequestListener} handler
 * @param {number} [port=0] 0 picks a free port
 * @returns {Promise<{ server: import('node:http').Server, port: number, url: string, stop: () => Promise<void> }>}
 */
export async function listenLoopback(handler, port = 0) {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err) => {
      console.error('[demo server]', err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = server.address().port;
  return {
    server,
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    stop: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Sends a JSON body. */
export function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
