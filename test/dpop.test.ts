import { describe, expect, it, vi } from 'vitest';
import * as oauth from 'oauth4webapi';
import * as jose from 'jose';
import { createDPoPSession } from '../src/dpop.js';
import type { DPoPSession } from '../src/dpop.js';
import { regexCalls } from './helpers/work.js';

type Call = { url: string; init: RequestInit; headers: Headers };

/** A fetch that records what it was asked to send and answers with `reply()`. */
function fakeFetch(reply: () => Response = () => new Response('ok')) {
  const calls: Call[] = [];
  const fn = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {}, headers: new Headers(init?.headers) });
    return reply();
  });
  return { fn: fn as unknown as typeof fetch, calls };
}

async function proof(call: Call | undefined, session?: DPoPSession) {
  const jwt = call?.headers.get('dpop');
  expect(jwt).toBeTypeOf('string');
  const header = jose.decodeProtectedHeader(jwt!);
  const claims = jose.decodeJwt(jwt!);
  // The signature verifies with the embedded key, which is the session's public key.
  await jose.jwtVerify(jwt!, await jose.importJWK(header.jwk!, 'ES256'), { typ: 'dpop+jwt' });
  if (session) expect(header.jwk).toEqual(await exportPublic(session));
  return { header, claims };
}

async function exportPublic(session: DPoPSession) {
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', session.keys.publicKey);
  return { kty, crv, x, y };
}

const b64u = (bytes: ArrayBuffer) => Buffer.from(bytes).toString('base64url');

describe('createDPoPSession', () => {
  it('generates a non-extractable ES256 pair', async () => {
    const s = await createDPoPSession();
    expect(s.keys.privateKey.extractable).toBe(false);
    expect(s.keys.privateKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    await expect(crypto.subtle.exportKey('jwk', s.keys.privateKey)).rejects.toThrow();
    await expect(crypto.subtle.exportKey('pkcs8', s.keys.privateKey)).rejects.toThrow();
    expect(await s.handle.calculateThumbprint()).toMatch(/^[\w-]{43}$/);
  });

  it('refuses an extractable private key and anything that is not a key pair', async () => {
    const extractable = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    await expect(createDPoPSession(extractable)).rejects.toMatchObject({ name: 'AuthError', code: 'invalid_config' });
    const swapped = { privateKey: extractable.publicKey, publicKey: extractable.publicKey };
    await expect(createDPoPSession(swapped)).rejects.toMatchObject({ code: 'invalid_config' });
    await expect(createDPoPSession({} as CryptoKeyPair)).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('uses given keys, which survive structuredClone (another tab)', async () => {
    const first = await createDPoPSession();
    const cloned = structuredClone(first.keys);
    expect(cloned.privateKey).not.toBe(first.keys.privateKey);
    const second = await createDPoPSession(cloned);
    expect(second.keys.privateKey.extractable).toBe(false);
    expect(await second.handle.calculateThumbprint()).toBe(await first.handle.calculateThumbprint());
    const { fn, calls } = fakeFetch();
    await second.send('at', new URL('https://api.example.com/'), {}, fn);
    const { header } = await proof(calls[0]);
    expect(header.jwk).toEqual(await exportPublic(first)); // signed by the original private key
  });
});

describe('DPoPSession.send', () => {
  it('sends Authorization: DPoP and a correct proof', async () => {
    const s = await createDPoPSession();
    const { fn, calls } = fakeFetch();
    const before = Math.floor(Date.now() / 1000);
    await s.send('the-token', new URL('https://api.example.com/r/x?q=1#frag'), { method: 'post', body: 'b' }, fn);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://api.example.com/r/x?q=1#frag');
    expect(calls[0]?.headers.get('authorization')).toBe('DPoP the-token');
    expect(calls[0]?.init.method).toBe('POST'); // the method sent is the proof's htm
    const { header, claims } = await proof(calls[0], s);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(header.jwk).not.toHaveProperty('d');
    expect(claims.htm).toBe('POST');
    expect(claims.htu).toBe('https://api.example.com/r/x');
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(claims.jti).toMatch(/^[\w-]{22,}$/);
    expect(claims.ath).toBe(b64u(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('the-token'))));
    expect(claims).not.toHaveProperty('nonce');
  });

  it('uses a fresh jti on every call', async () => {
    const s = await createDPoPSession();
    const { fn, calls } = fakeFetch();
    const url = new URL('https://api.example.com/');
    for (let n = 0; n < 3; n++) await s.send('at', url, {}, fn);
    const jtis = await Promise.all(calls.map(async (c) => (await proof(c)).claims.jti));
    expect(new Set(jtis).size).toBe(3);
  });

  it('keeps the caller init and refuses to follow redirects', async () => {
    const s = await createDPoPSession();
    const { fn, calls } = fakeFetch();
    const signal = new AbortController().signal;
    const url = new URL('https://api.example.com/');
    await s.send(
      'at',
      url,
      { method: 'PUT', body: 'data', credentials: 'include', signal, headers: { 'x-a': '1' }, redirect: 'follow' },
      fn,
    );
    await s.send('at', url, { redirect: 'error' }, fn);
    expect(calls[0]?.init).toMatchObject({ body: 'data', credentials: 'include', signal, redirect: 'manual' });
    expect(calls[0]?.headers.get('x-a')).toBe('1');
    expect(calls[1]?.init.redirect).toBe('error');
    expect(calls[1]?.init.method).toBe('GET');
  });

  it('returns the real response untouched, hostile challenge included', async () => {
    const s = await createDPoPSession();
    const real = new Response('body', {
      status: 401,
      headers: { 'www-authenticate': `DPoP error="x", ${'a="'.repeat(100_000)}` },
    });
    const { fn } = fakeFetch(() => real);
    // oauth4webapi's challenge parser would make a match per parameter (100,000): it never sees this header
    const { result, calls } = await regexCalls(() => s.send('at', new URL('https://api.example.com/'), {}, fn));
    expect(result).toBe(real);
    expect(calls).toBeLessThan(1000);
    expect(await real.text()).toBe('body');
  });

  it('puts a server nonce into the next proof for that origin only', async () => {
    const s = await createDPoPSession();
    let nonce: string | undefined = 'nonce-1';
    const { fn, calls } = fakeFetch(
      () => new Response(null, { status: 401, headers: nonce ? { 'dpop-nonce': nonce } : {} }),
    );
    const api = new URL('https://api.example.com/a');
    await s.send('at', api, {}, fn);
    nonce = undefined;
    await s.send('at', new URL('https://api.example.com/b'), {}, fn);
    await s.send('at', new URL('https://other.example.com/'), {}, fn);
    expect((await proof(calls[0])).claims).not.toHaveProperty('nonce');
    expect((await proof(calls[1])).claims.nonce).toBe('nonce-1');
    expect((await proof(calls[2])).claims).not.toHaveProperty('nonce');
  });

  it('ignores an oversized or malformed nonce', async () => {
    const s = await createDPoPSession();
    const bad = ['n'.repeat(1025), 'has space', 'quote"', 'back\\slash'];
    let i = 0;
    const { fn, calls } = fakeFetch(
      () => new Response(null, { headers: i < bad.length ? { 'dpop-nonce': bad[i++]! } : {} }),
    );
    for (let n = 0; n <= bad.length; n++) await s.send('at', new URL('https://api.example.com/'), {}, fn);
    for (const c of calls) expect((await proof(c)).claims).not.toHaveProperty('nonce');
    i = 0;
    const ok = ['n'.repeat(1024)];
    const f2 = fakeFetch(() => new Response(null, { headers: i < ok.length ? { 'dpop-nonce': ok[i++]! } : {} }));
    await s.send('at', new URL('https://api.example.com/'), {}, f2.fn);
    await s.send('at', new URL('https://api.example.com/'), {}, f2.fn);
    expect((await proof(f2.calls[1])).claims.nonce).toBe(ok[0]);
  });

  it('shares the nonce cache with the handle used for oauth4webapi requests', async () => {
    const s = await createDPoPSession();
    const url = new URL('https://api.example.com/x');
    const { fn, calls } = fakeFetch();
    await oauth.protectedResourceRequest('at', 'GET', url, undefined, undefined, {
      DPoP: s.handle,
      [oauth.customFetch]: async () => new Response(null, { headers: { 'dpop-nonce': 'from-handle' } }),
    });
    await s.send('at', url, {}, fn);
    expect((await proof(calls[0])).claims.nonce).toBe('from-handle');
  });

  it('allows http only on loopback hosts', async () => {
    const s = await createDPoPSession();
    const { fn, calls } = fakeFetch();
    for (const u of ['http://127.0.0.1:8080/x', 'http://127.1.2.3/', 'http://localhost:3000/', 'http://[::1]:9/'])
      await s.send('at', new URL(u), {}, fn);
    expect(calls).toHaveLength(4);
    expect((await proof(calls[0])).claims.htu).toBe('http://127.0.0.1:8080/x');
    for (const u of [
      'http://api.example.com/',
      'http://127.0.0.1.example.com/',
      'http://localhost.evil.com/',
      'ftp://127.0.0.1/',
    ])
      await expect(s.send('at', new URL(u), {}, fn)).rejects.toMatchObject({
        name: 'AuthError',
        code: 'invalid_config',
      });
    expect(calls).toHaveLength(4);
  });

  it("passes the fetch's own rejection through", async () => {
    const s = await createDPoPSession();
    const boom = new TypeError('Failed to fetch');
    const abort = new DOMException('aborted', 'AbortError');
    await expect(s.send('at', new URL('https://api.example.com/'), {}, () => Promise.reject(boom))).rejects.toBe(boom);
    await expect(s.send('at', new URL('https://api.example.com/'), {}, () => Promise.reject(abort))).rejects.toBe(
      abort,
    );
  });
});
