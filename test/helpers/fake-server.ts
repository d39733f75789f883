/**
 * A fake authorization server behind the client's `fetch` option: discovery, JWKS, token
 * (code + refresh with rotation), PAR and revocation. Tests turn it hostile through hooks
 * and read `requests` to assert what the server received.
 */
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface Recorded {
  url: URL;
  method: string;
  headers: Headers;
  form: URLSearchParams;
}

export interface FakeServerOptions {
  issuer?: string;
  clientId?: string;
  metadata?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const random = () => b64url(crypto.getRandomValues(new Uint8Array(24)));

export async function createFakeServer(o: FakeServerOptions = {}) {
  const issuer = o.issuer ?? 'https://id.example.com';
  const clientId = o.clientId ?? 'spa';
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { nonce: string; challenge: string; redirectUri: string; scope: string }>();
  const liveRefreshTokens = new Set<string>();
  const pushed = new Map<string, URLSearchParams>();
  const server = {
    issuer,
    clientId,
    requests: [] as Recorded[],
    issued: { accessTokens: [] as string[], refreshTokens: [] as string[], idTokens: [] as string[] },
    metadata: {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      revocation_endpoint: `${issuer}/revoke`,
      end_session_endpoint: `${issuer}/logout`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
      authorization_response_iss_parameter_supported: true,
      ...o.metadata,
    } as Json,
    sub: 'alice',
    /** Put an at_hash of the access token into ID tokens. */
    atHash: false,
    expiresIn: 300 as unknown,
    /** Put RFC 9207 `iss` into authorization responses. */
    sendIss: true,
    /** Issue a new refresh token on each refresh (else the old one stays, and none is sent). */
    rotate: true,
    /** The server's clock minus the device's (ms): positive when the device is behind. */
    clockOffset: 0,
    /** Change the token JSON before it is sent. */
    tokenHook: undefined as undefined | ((body: Json, grant: string) => Json | Response),
    /** Change ID token claims / header before signing. */
    idTokenHook: undefined as undefined | ((claims: Json) => Json),
    /** Sign ID tokens with this instead of RS256 (e.g. 'none', 'HS256'). */
    idTokenSigner: undefined as undefined | ((claims: Json) => Promise<string> | string),
    /** Answer the next requests to a path with this response. */
    override: new Map<string, () => Response | Promise<Response>>(),

    /** Plays the authorization endpoint: returns the callback URL the browser would land on. */
    authorize(authorizationUrl: string, extra: Record<string, string> = {}): string {
      const url = new URL(authorizationUrl);
      const p = pushed.get(url.searchParams.get('request_uri') ?? '') ?? url.searchParams;
      const code = random();
      codes.set(code, {
        nonce: p.get('nonce') ?? '',
        challenge: p.get('code_challenge') ?? '',
        redirectUri: p.get('redirect_uri') ?? '',
        scope: p.get('scope') ?? '',
      });
      const cb = new URL(p.get('redirect_uri') ?? 'https://app.example.com/');
      cb.searchParams.set('code', code);
      cb.searchParams.set('state', p.get('state') ?? '');
      if (server.sendIss) cb.searchParams.set('iss', issuer);
      for (const [k, v] of Object.entries(extra)) cb.searchParams.set(k, v);
      return cb.href;
    },

    async idToken(claims: Json): Promise<string> {
      const final = server.idTokenHook ? server.idTokenHook(claims) : claims;
      if (server.idTokenSigner) return server.idTokenSigner(final);
      return new SignJWT(final).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
    },

    fetch: (async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const req = new Request(input, init);
      const url = new URL(req.url);
      const form = new URLSearchParams(req.method === 'POST' ? await req.text() : '');
      server.requests.push({ url, method: req.method, headers: req.headers, form });
      const custom: (() => Response | Promise<Response>) | undefined = server.override.get(url.pathname);
      if (custom) return custom();
      const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
        new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
      const oauthError = (error: string) => json({ error, error_description: `fake: ${error}` }, 400);
      switch (url.pathname) {
        case '/.well-known/openid-configuration':
          return json(server.metadata);
        case '/jwks':
          return json({ keys: [jwk] });
        case '/revoke':
          liveRefreshTokens.delete(form.get('token') ?? '');
          return new Response(null, { status: 200 });
        case '/par': {
          const requestUri = `urn:ietf:params:oauth:request_uri:${random()}`;
          pushed.set(requestUri, form);
          return json({ request_uri: requestUri, expires_in: 60 }, 201);
        }
        case '/token': {
          const grant = form.get('grant_type') ?? '';
          let kept: string | undefined; // a refresh token that does not rotate
          const now = Math.floor((Date.now() + server.clockOffset) / 1000);
          const claims: Json = { iss: issuer, aud: clientId, sub: server.sub, iat: now, exp: now + 600 };
          if (grant === 'authorization_code') {
            const entry = codes.get(form.get('code') ?? '');
            codes.delete(form.get('code') ?? '');
            if (!entry) return oauthError('invalid_grant');
            const digest = new Uint8Array(
              await crypto.subtle.digest('SHA-256', new TextEncoder().encode(form.get('code_verifier') ?? '')),
            );
            if (b64url(digest) !== entry.challenge || form.get('redirect_uri') !== entry.redirectUri)
              return oauthError('invalid_grant');
            claims.nonce = entry.nonce;
            claims.auth_time = claims.iat;
          } else if (grant === 'refresh_token') {
            const rt = form.get('refresh_token') ?? '';
            if (!server.rotate && liveRefreshTokens.has(rt)) kept = rt;
            else if (!liveRefreshTokens.delete(rt)) {
              liveRefreshTokens.clear(); // reuse of a rotated token revokes the grant
              return oauthError('invalid_grant');
            }
          } else return oauthError('unsupported_grant_type');
          const accessToken = random();
          const refreshToken = kept ?? random();
          liveRefreshTokens.add(refreshToken);
          if (server.atHash) {
            const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)));
            claims.at_hash = b64url(digest.subarray(0, 16));
          }
          const idToken = await server.idToken(claims);
          server.issued.accessTokens.push(accessToken);
          if (!kept) server.issued.refreshTokens.push(refreshToken);
          server.issued.idTokens.push(idToken);
          let body: Json = {
            access_token: accessToken,
            token_type: 'Bearer',
            expires_in: server.expiresIn,
            refresh_token: kept ? undefined : refreshToken,
            id_token: idToken,
            scope: 'openid',
          };
          if (server.tokenHook) {
            const hooked = server.tokenHook(body, grant);
            if (hooked instanceof Response) return hooked;
            body = hooked;
          }
          return json(body, 200, { 'cache-control': 'no-store' });
        }
        default:
          return new Response('not found', { status: 404 });
      }
    }) as typeof fetch,

    tokenRequests: (): Recorded[] => server.requests.filter((r) => r.url.pathname === '/token'),
  };
  return server;
}

export type FakeServer = Awaited<ReturnType<typeof createFakeServer>>;
