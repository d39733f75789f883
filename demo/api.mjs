// The demo resource server. GET /me verifies the access token for real: a JWT from the demo
// provider (jose, the provider's JWKS, issuer, audience) and, for DPoP-bound tokens (cnf.jkt),
// the DPoP proof (RFC 9449 §4.3, §7.1). It answers CORS only for the demo pages' origin.
//
// Tests read `requests` (never the token itself: only whether Authorization / DPoP were sent),
// switch `setRequireDpopNonce(true)`, and can force the next answers to be 401 with
// `rejectNext(n, challenge)` to exercise the SDK's retry and step-up handling.
// POST /echo authenticates like /me and answers the sha256 of the request body, which is also
// recorded (`bodySha256`, `bodyLength`, `contentType`), so a retry can be shown to carry the
// same body. `tokenHash` is a short hash of the access token sent (never the token).
import { createHash, randomBytes } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { listenLoopback, sendJson } from './http-util.mjs';

const ALGS = ['ES256', 'RS256', 'PS256', 'EdDSA', 'Ed25519'];
const PROOF_MAX_AGE = 60; // seconds either side of now for a DPoP proof's iat
const MAX_AUTH_HEADER = 16 * 1024;
const MAX_ECHO_BODY = 1024 * 1024;

/**
 * @param {object} o
 * @param {number} [o.port=0]
 * @param {string} o.issuer the provider's issuer
 * @param {string} o.audience the `aud` the access tokens must carry
 * @param {string | string[]} o.allowedOrigin the demo pages' origin(s) (CORS)
 * @param {string} [o.foreignUrl] target of GET /redirect-to-foreign (the recorder)
 */
export async function startApi({ port = 0, issuer, audience, allowedOrigin, foreignUrl } = {}) {
  if (!issuer || !audience || !allowedOrigin)
    throw new Error('startApi: issuer, audience and allowedOrigin are required');
  const origins = [allowedOrigin].flat();
  const requests = [];
  const seenJti = new Map(); // jti → expiry (ms)
  let requireNonce = false;
  let nonce = randomBytes(16).toString('base64url');
  let forced = []; // { header, status } for the next requests to /me and /echo
  let jwks;

  const keys = async () => {
    if (!jwks) {
      jwks = (async () => {
        const res = await fetch(`${issuer}/.well-known/openid-configuration`);
        if (!res.ok) throw new Error(`discovery failed: ${res.status}`);
        const { jwks_uri: uri } = await res.json();
        return createRemoteJWKSet(new URL(uri));
      })();
      jwks.catch(() => (jwks = undefined));
    }
    return jwks;
  };

  const cors = (req) => {
    const origin = req.headers.origin;
    if (!origin || !origins.includes(origin)) return { vary: 'Origin' };
    return {
      vary: 'Origin',
      'access-control-allow-origin': origin,
      'access-control-expose-headers': 'DPoP-Nonce, WWW-Authenticate',
    };
  };

  const challenge = (scheme, error, description) =>
    `${scheme} ${scheme === 'DPoP' ? `algs="${ALGS.join(' ')}", ` : ''}error="${error}"${description ? `, error_description="${description}"` : ''}`;

  /** Verifies the request's credentials; returns the token claims or throws { status, header }. */
  async function authenticate(req) {
    const auth = req.headers.authorization;
    if (!auth) throw { status: 401, header: 'Bearer realm="demo-api"', error: 'missing_token' };
    if (auth.length > MAX_AUTH_HEADER)
      throw { status: 400, header: challenge('Bearer', 'invalid_request'), error: 'invalid_request' };
    const [scheme, token, extra] = auth.split(' ');
    const dpopScheme = /^dpop$/i.test(scheme);
    if (!token || extra !== undefined || !(dpopScheme || /^bearer$/i.test(scheme))) {
      throw { status: 400, header: challenge('Bearer', 'invalid_request'), error: 'invalid_request' };
    }
    const fail = (error, description, status = 401) => ({
      status,
      header: challenge(dpopScheme ? 'DPoP' : 'Bearer', error, description),
      error,
    });
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(token, await keys(), {
        issuer,
        audience,
        typ: 'at+jwt',
        algorithms: ALGS,
        clockTolerance: 5,
      }));
    } catch (err) {
      // The provider's keys could not be fetched: that is our problem, not the token's.
      if (!err?.code?.startsWith?.('ERR_J') || err.code === 'ERR_JWKS_TIMEOUT')
        throw { status: 503, error: 'jwks_unavailable' };
      throw fail('invalid_token', 'access token rejected');
    }
    const jkt = claims.cnf?.jkt;
    if (!jkt) {
      if (dpopScheme) throw fail('invalid_token', 'token is not DPoP-bound');
      return { claims, tokenType: 'Bearer' };
    }
    if (!dpopScheme)
      throw { ...fail('invalid_token', 'DPoP-bound token sent as Bearer'), header: challenge('DPoP', 'invalid_token') };
    await verifyProof(req, token, jkt, fail);
    return { claims, tokenType: 'DPoP' };
  }

  async function verifyProof(req, token, jkt, fail) {
    const proof = req.headers.dpop;
    if (!proof || proof.includes(',')) throw fail('invalid_dpop_proof', 'exactly one DPoP proof is required');
    let payload;
    let header;
    try {
      header = decodeProtectedHeader(proof);
      ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ALGS }));
    } catch {
      throw fail('invalid_dpop_proof', 'bad proof signature or header');
    }
    const now = Math.floor(Date.now() / 1000);
    const htu = `http://${req.headers.host}${new URL(req.url, 'http://x').pathname}`;
    const ath = createHash('sha256').update(token).digest('base64url');
    if ((await calculateJwkThumbprint(header.jwk)) !== jkt)
      throw fail('invalid_dpop_proof', 'key does not match cnf.jkt');
    if (payload.htm !== req.method) throw fail('invalid_dpop_proof', 'htm mismatch');
    if (payload.htu !== htu) throw fail('invalid_dpop_proof', 'htu mismatch');
    if (payload.ath !== ath) throw fail('invalid_dpop_proof', 'ath mismatch');
    if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > PROOF_MAX_AGE)
      throw fail('invalid_dpop_proof', 'iat out of range');
    if (typeof payload.jti !== 'string' || !payload.jti) throw fail('invalid_dpop_proof', 'jti missing');
    for (const [j, exp] of seenJti) if (exp < Date.now()) seenJti.delete(j);
    if (seenJti.has(payload.jti)) throw fail('invalid_dpop_proof', 'jti replayed');
    if (requireNonce && payload.nonce !== nonce) {
      throw {
        status: 401,
        header: challenge('DPoP', 'use_dpop_nonce', 'nonce required'),
        error: 'use_dpop_nonce',
        nonce: true,
      };
    }
    seenJti.set(payload.jti, Date.now() + 2 * PROOF_MAX_AGE * 1000);
  }

  async function me(req, res, entry, headers) {
    if (forced.length) {
      const { header, status } = forced.shift();
      entry.status = status;
      entry.forced = true;
      return sendJson(res, status, { error: 'forced' }, { ...headers, 'www-authenticate': header });
    }
    try {
      const { claims, tokenType } = await authenticate(req);
      entry.status = 200;
      entry.sub = claims.sub;
      entry.tokenType = tokenType;
      const extra = requireNonce && tokenType === 'DPoP' ? { 'dpop-nonce': nonce } : {};
      const echo =
        entry.bodySha256 === undefined
          ? {}
          : { bodySha256: entry.bodySha256, bodyLength: entry.bodyLength, contentType: entry.contentType };
      return sendJson(
        res,
        200,
        { sub: claims.sub, scope: claims.scope, exp: claims.exp, tokenType, ...echo },
        { ...headers, ...extra },
      );
    } catch (err) {
      if (!err || typeof err.status !== 'number') throw err;
      entry.status = err.status;
      entry.error = err.error;
      const h = { ...headers };
      if (err.header) h['www-authenticate'] = err.header;
      if (err.nonce) h['dpop-nonce'] = nonce;
      return sendJson(res, err.status, { error: err.error }, h);
    }
  }

  const { url, stop } = await listenLoopback(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const entry = {
      method: req.method,
      path,
      origin: req.headers.origin,
      authorization: Boolean(req.headers.authorization),
      authorizationScheme: req.headers.authorization?.split(' ')[0],
      dpop: Boolean(req.headers.dpop),
      time: Date.now(),
    };
    const sentToken = req.headers.authorization?.split(' ')[1];
    if (sentToken) entry.tokenHash = createHash('sha256').update(sentToken).digest('base64url').slice(0, 16);
    requests.push(entry);
    const headers = cors(req);
    if (req.method === 'OPTIONS') {
      entry.preflight = req.headers['access-control-request-headers'] ?? '';
      if (!headers['access-control-allow-origin']) return res.writeHead(403, headers).end();
      return res
        .writeHead(204, {
          ...headers,
          'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
          'access-control-allow-headers': 'authorization, dpop, content-type',
          'access-control-max-age': '5',
        })
        .end();
    }
    if (path === '/me' && (req.method === 'GET' || req.method === 'POST')) return me(req, res, entry, headers);
    if (path === '/echo' && req.method === 'POST') {
      const chunks = [];
      let length = 0;
      for await (const chunk of req) {
        length += chunk.length;
        if (length > MAX_ECHO_BODY) return sendJson(res, 413, { error: 'too_large' }, headers);
        chunks.push(chunk);
      }
      entry.bodySha256 = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
      entry.bodyLength = length;
      entry.contentType = req.headers['content-type'] ?? '';
      return me(req, res, entry, headers);
    }
    if (path === '/redirect-to-foreign' && foreignUrl) {
      return res.writeHead(302, { ...headers, location: `${foreignUrl}/from-api-redirect` }).end();
    }
    if (path === '/health') return sendJson(res, 200, { ok: true }, headers);
    return sendJson(res, 404, { error: 'not_found' }, headers);
  }, port);

  return {
    url,
    requests,
    stop,
    /** Demands a fresh server nonce in DPoP proofs (a new nonce each time it is switched on). */
    setRequireDpopNonce(on) {
      requireNonce = Boolean(on);
      if (requireNonce) nonce = randomBytes(16).toString('base64url');
    },
    /** The next `count` requests to /me or /echo answer `status` (401, or e.g. 403) with this WWW-Authenticate value. */
    rejectNext(count = 1, header = 'Bearer error="invalid_token"', status = 401) {
      forced = Array.from({ length: count }, () => ({ header, status }));
    },
  };
}
