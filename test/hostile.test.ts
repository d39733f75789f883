/** A server that misbehaves on purpose: every answer below must end in a typed error and leave nothing installed. */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { captureNavigation, transactionKeys } from './helpers/browser.js';
import { expectCode, useFlow } from './helpers/flow.js';
import { dpop } from '../src/dpop-support.js';

const flow = useFlow();
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('hostile discovery', () => {
  const cases: Array<[string, () => Response]> = [
    [
      'a redirect instead of metadata',
      () =>
        new Response(null, {
          status: 302,
          headers: { location: 'https://evil.example/.well-known/openid-configuration' },
        }),
    ],
    ['a non-string issuer', () => json({ ...flow.server.metadata, issuer: 42 })],
    ['an array instead of an object', () => json([flow.server.metadata])],
    ['HTML', () => new Response('<html></html>', { headers: { 'content-type': 'text/html' } })],
    [
      'a body over 1 MiB',
      () => new Response(' '.repeat(1.5 * 2 ** 20), { headers: { 'content-type': 'application/json' } }),
    ],
  ];
  for (const [name, answer] of cases) {
    it(`refuses ${name} and does not navigate`, async () => {
      flow.server.override.set('/.well-known/openid-configuration', answer);
      const nav = captureNavigation();
      await expectCode(flow.client().login(), 'invalid_response');
      expect(nav.all).toHaveLength(0);
      expect(transactionKeys()).toEqual([]);
    });
  }
});

it('refuses a declared Content-Length over 1 MiB without reading the body, and lets it go', async () => {
  let cancelled = false;
  const body = new ReadableStream({
    pull: (c) => c.enqueue(new Uint8Array(1024)),
    cancel: () => void (cancelled = true),
  });
  flow.server.override.set(
    '/.well-known/openid-configuration',
    () => new Response(body, { headers: { 'content-type': 'application/json', 'content-length': String(2 ** 30) } }),
  );
  await expectCode(flow.client().login(), 'invalid_response');
  expect(cancelled).toBe(true);
});

describe('hostile JWKS', () => {
  const cases: Array<[string, () => Response]> = [
    ["no key with the token's kid", () => json({ keys: [] })],
    [
      'a body over 1 MiB',
      () => new Response(' '.repeat(1.5 * 2 ** 20), { headers: { 'content-type': 'application/json' } }),
    ],
    ['a symmetric key', () => json({ keys: [{ kty: 'oct', k: 'a2V5', kid: 'k1', alg: 'HS256' }] })],
  ];
  for (const [name, answer] of cases) {
    it(`refuses an ID token when the JWKS has ${name}`, async () => {
      flow.server.override.set('/jwks', answer);
      const { next, result } = await flow.login();
      await expectCode(result, 'invalid_response');
      expect(next.isAuthenticated).toBe(false);
    });
  }
});

describe('the JWKS fetched in parallel with the token request (docs/security.md P-14)', () => {
  const jwksRequests = () => flow.server.requests.filter((r) => r.url.pathname === '/jwks');

  it('is sent like every other authorization server request: no redirects, JSON', async () => {
    const inits: Array<RequestInit | undefined> = [];
    const { result } = await flow.login({
      fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
        if (String(input).endsWith('/jwks')) inits.push(init);
        return flow.server.fetch(input, init);
      }) as typeof fetch,
    });
    await result;
    expect(inits.length).toBeGreaterThan(0);
    for (const init of inits) {
      expect(init?.redirect).toBe('manual');
      expect(new Headers(init?.headers).get('accept')).toContain('application/json');
    }
  });

  it('is not used when the answer is not 200, even with the right keys in it', async () => {
    const keys = await (await flow.server.fetch(`${flow.server.issuer}/jwks`)).json();
    flow.server.override.set('/jwks', () => json(keys, 302));
    const { next, result } = await flow.login();
    await expectCode(result, 'invalid_response');
    expect(next.isAuthenticated).toBe(false);
  });

  it('is not used when it is not a JWKS: oauth4webapi fetches and checks the key set itself', async () => {
    flow.server.override.set('/jwks', () => (flow.server.override.delete('/jwks'), json({ keys: 'k1' }))); // once
    const { result } = await flow.login();
    await expect(result).resolves.toMatchObject({ authenticated: true });
    expect(jwksRequests()).toHaveLength(2); // the bad parallel answer, then oauth4webapi's own request
  });
});

describe('hostile token endpoint', () => {
  it('refuses an access_token over 16 KiB', async () => {
    flow.server.tokenHook = (b) => ({ ...b, access_token: 'a'.repeat(20_000) });
    const { result } = await flow.login();
    await expectCode(result, 'invalid_response');
  });

  it('clamps expires_in 0 to a few seconds, so renewal cannot spin', async () => {
    flow.server.expiresIn = 0;
    const { next, result } = await flow.login();
    await result;
    expect(next.expiresAt).toBeGreaterThanOrEqual(Date.now() + 4000);
  });

  it('times out a token endpoint that never answers, and installs nothing', async () => {
    flow.server.override.set('/token', () => new Promise<Response>(() => undefined));
    const { next, result } = await flow.login({ requestTimeout: 0.2 });
    await expectCode(result, 'timeout');
    expect(next.isAuthenticated).toBe(false);
  });

  it('never follows a redirect from the token endpoint', async () => {
    flow.server.override.set(
      '/token',
      () => new Response(null, { status: 307, headers: { location: 'https://evil.example/token' } }),
    );
    const { result } = await flow.login();
    await expectCode(result, 'invalid_response');
    expect(flow.server.requests.some((r) => r.url.hostname === 'evil.example')).toBe(false);
  });

  // RFC 9449 §8.1, docs/security.md P-26: a nonce is 1*NQCHAR; a bad or oversized one is ignored.
  const nonces: Array<[string, string, boolean]> = [
    ['a valid nonce', 'n-1.valid_NONCE~', true],
    ['a nonce over 1 KiB', 'n'.repeat(1025), false],
    ['a nonce with a quote', 'n"1', false],
    ['a nonce with a space', 'n 1', false],
  ];
  for (const [name, nonce, kept] of nonces) {
    it(`${kept ? 'answers' : 'ignores'} ${name} from the token endpoint`, async () => {
      const server = flow.server;
      server.override.set('/token', () => {
        server.override.delete('/token'); // once: the retry reaches the real endpoint
        return new Response(JSON.stringify({ error: 'use_dpop_nonce' }), {
          status: 400,
          headers: { 'content-type': 'application/json', 'dpop-nonce': nonce },
        });
      });
      server.tokenHook = (b) => ({ ...b, token_type: 'DPoP' });
      const { next, result } = await flow.login({ dpop });
      await result;
      const proofs = server.tokenRequests().map((r) => decodeJwt(r.headers.get('dpop') ?? ''));
      // Retried once either way; the second proof carries the nonce only when it is valid.
      expect(proofs.map((p) => p.nonce)).toEqual([undefined, kept ? nonce : undefined]);
      expect(next.isAuthenticated).toBe(true);
    });
  }
});
