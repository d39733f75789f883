/**
 * JSON oddities from a hostile provider (docs/security.md P-13, P-14: no object is
 * built by merging untrusted JSON into it; BBA §8.4 on prototype poisoning). `__proto__` and `constructor`
 * keys in the token response, the discovery document and the ID token claims must neither
 * pollute Object.prototype nor smuggle a value into the session; odd `expires_in` values must
 * be clamped or refused.
 */
import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { captureNavigation } from './helpers/browser.js';
import { expectCode, useFlow } from './helpers/flow.js';

const flow = useFlow();
const polluted = () => ({}) as Record<string, unknown>;
afterEach(() => {
  for (const k of ['refresh_token', 'admin', 'revocation_endpoint', 'polluted'])
    delete (Object.prototype as Record<string, unknown>)[k];
});
/** A raw JSON body (a template string keeps `__proto__` as a key, as a server would send it). */
const raw = (text: string, status = 200) =>
  new Response(text, { status, headers: { 'content-type': 'application/json' } });

describe('prototype keys', () => {
  it('a token response with __proto__ and constructor keys pollutes nothing and adds no refresh token', async () => {
    flow.server.tokenHook = (b) => {
      const { refresh_token: _, ...rest } = b;
      return raw(
        JSON.stringify(rest).replace(
          /}$/,
          ',"__proto__":{"refresh_token":"SMUGGLED","polluted":1},"constructor":{"prototype":{"polluted":1}}}',
        ),
      );
    };
    const { next, result } = await flow.login();
    await result;
    expect(polluted().polluted).toBeUndefined();
    expect(polluted().refresh_token).toBeUndefined();
    // No refresh token: a forced renewal cannot present "SMUGGLED".
    await next.getAccessToken({ forceRefresh: true }).catch(() => undefined);
    expect(
      flow.server
        .tokenRequests()
        .map((r) => r.form.get('refresh_token'))
        .filter(Boolean),
    ).not.toContain('SMUGGLED');
  });

  it('ID token claims with __proto__ reach the app as data only, never as a prototype', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'p1' };
    flow.server.override.set('/jwks', () => raw(JSON.stringify({ keys: [jwk] })));
    const b64 = (s: string) => btoa(s).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    flow.server.idTokenSigner = async (c) => {
      // Sign a payload whose JSON text has a __proto__ key.
      const payload = JSON.stringify(c).replace(/}$/, ',"__proto__":{"admin":true,"polluted":1}}');
      const input = `${b64(JSON.stringify({ alg: 'RS256', kid: 'p1' }))}.${b64(payload)}`;
      const key = await crypto.subtle.importKey(
        'jwk',
        await exportJWK(privateKey),
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      const sig = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, new TextEncoder().encode(input)));
      return `${input}.${b64(String.fromCharCode(...sig))}`;
    };
    const seen: unknown[] = [];
    const { next, result } = await flow.login();
    next.on('authenticated', ({ user }) => seen.push(user));
    await result;
    expect(next.isAuthenticated).toBe(true);
    expect(Object.getPrototypeOf(next.user)).toBe(Object.prototype);
    expect((next.user as Record<string, unknown>).admin).toBeUndefined();
    expect(polluted().admin).toBeUndefined();
    expect(polluted().polluted).toBeUndefined();
  });

  it('a discovery document with __proto__ cannot supply an endpoint', async () => {
    const { revocation_endpoint: _, end_session_endpoint: __, ...md } = flow.server.metadata;
    flow.server.override.set('/.well-known/openid-configuration', () =>
      raw(
        JSON.stringify(md).replace(
          /}$/,
          ',"__proto__":{"revocation_endpoint":"https://evil.example/revoke","end_session_endpoint":"https://evil.example/logout"}}',
        ),
      ),
    );
    const auth = await flow.signedIn();
    const nav = captureNavigation();
    await auth.logout();
    expect(flow.server.requests.some((r) => r.url.hostname === 'evil.example')).toBe(false);
    expect(nav.all.some((u) => u.includes('evil.example'))).toBe(false);
    expect(polluted().revocation_endpoint).toBeUndefined();
  });
});

describe('expires_in oddities (P-13: finite, clamped to [5 s, 24 h])', () => {
  const ok: Array<[string, unknown, number, number]> = [
    ['a float', 0.25, 5, 5],
    ['a numeric string', '600', 600, 600],
    ['a huge number', 1e300, 86_400, 86_400],
  ];
  for (const [name, value, min, max] of ok) {
    it(`clamps ${name}`, async () => {
      flow.server.expiresIn = value;
      const t0 = Date.now();
      const { next, result } = await flow.login();
      await result;
      // the tokens arrived between t0 and now, however long the login took
      const expiresAt = next.expiresAt ?? 0;
      expect(expiresAt).toBeGreaterThanOrEqual(t0 + min * 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + max * 1000);
    });
  }
  for (const [name, text] of [
    ['1e999 (Infinity)', '1e999'],
    ['null', 'null'],
    ['an object', '{}'],
  ] as const) {
    it(`refuses expires_in ${name}`, async () => {
      flow.server.tokenHook = (b) =>
        raw(JSON.stringify({ ...b, expires_in: 0 }).replace('"expires_in":0', `"expires_in":${text}`));
      const { next, result } = await flow.login();
      await expectCode(result, 'invalid_response');
      expect(next.isAuthenticated).toBe(false);
    });
  }
  it('a duplicated access_token key: the one used is the one JSON.parse keeps, and it is validated', async () => {
    flow.server.tokenHook = (b) => raw(JSON.stringify(b).replace(/}$/, ',"access_token":"has space"}'));
    const { result } = await flow.login();
    await expectCode(result, 'invalid_response');
  });
});
