// The "foreign origin": a server the demo pages may call with auth.fetch but that must never
// receive a token. It records every request's headers (preflights too) and allows any origin
// and any header, so that a token wrongly attached by the SDK would really arrive here and be
// seen by the tests instead of being stopped by CORS.
import { listenLoopback, sendJson } from './http-util.mjs';

/** @param {{ port?: number }} [o] */
export async function startRecorder({ port = 0 } = {}) {
  const requests = [];
  const { url, stop } = await listenLoopback((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    requests.push({ method: req.method, path, headers: { ...req.headers }, time: Date.now() });
    const cors = {
      'access-control-allow-origin': req.headers.origin ?? '*',
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    };
    if (req.method === 'OPTIONS') {
      return res
        .writeHead(204, {
          ...cors,
          'access-control-allow-methods': req.headers['access-control-request-method'] ?? 'GET',
          'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
        })
        .end();
    }
    return sendJson(
      res,
      200,
      {
        path,
        receivedAuthorization: 'authorization' in req.headers,
        receivedDpop: 'dpop' in req.headers,
        receivedCookie: 'cookie' in req.headers,
      },
      cors,
    );
  }, port);
  return { url, requests, stop };
}
