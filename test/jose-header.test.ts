/**
 * ID token header tricks from a hostile provider (RFC 7515 §4.1, RFC 8725 §3.1, §3.10;
 * docs/security.md P-16: the signature is checked with a key from jwks_uri, and `crit` is refused).
 * Each ID token is signed with a key the test controls; the test's JWKS replaces the server's.
 * Every one must be refused, and the client must fetch no URL the token names.
 */
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { expectCode, useFlow } from './helpers/flow.js';

const flow = useFlow();
const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
const pub = async (key: CryptoKey, extra: JWK = {}) => ({ ...(await exportJWK(key)), ...extra });

describe('ID token JOSE header tricks', () => {
  it('accepts a token signed by the served JWKS key (control: the harness works)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    flow.server.metadata.id_token_signing_alg_values_supported = ['RS256', 'ES256'];
    const jwk = await pub(publicKey, { kid: 'e1', use: 'sig', alg: 'ES256' });
    flow.server.override.set('/jwks', () => json({ keys: [jwk] }));
    flow.server.idTokenSigner = (c) => new SignJWT(c).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).sign(privateKey);
    const { result } = await flow.login();
    await expect(result).resolves.toMatchObject({ authenticated: true });
  });

  const attacker = generateKeyPair('RS256');
  const cases: Array<[string, () => Promise<void>]> = [
    [
      'jku naming an attacker JWKS',
      async () => {
        const { privateKey } = await attacker;
        flow.server.idTokenSigner = (c) =>
          new SignJWT(c)
            .setProtectedHeader({ alg: 'RS256', kid: 'evil', jku: 'https://evil.example/jwks' })
            .sign(privateKey);
      },
    ],
    [
      'x5u naming an attacker certificate',
      async () => {
        const { privateKey } = await attacker;
        flow.server.idTokenSigner = (c) =>
          new SignJWT(c)
            .setProtectedHeader({ alg: 'RS256', kid: 'evil', x5u: 'https://evil.example/cert.pem' })
            .sign(privateKey);
      },
    ],
    [
      'an embedded jwk (attacker key)',
      async () => {
        const { privateKey, publicKey } = await attacker;
        const jwk = await pub(publicKey);
        flow.server.idTokenSigner = (c) => new SignJWT(c).setProtectedHeader({ alg: 'RS256', jwk }).sign(privateKey);
      },
    ],
    [
      'crit with an unknown extension',
      async () => {
        const { privateKey, publicKey } = await generateKeyPair('RS256');
        const keys = [await pub(publicKey, { kid: 'c1' })];
        flow.server.override.set('/jwks', () => json({ keys }));
        flow.server.idTokenSigner = (c) =>
          new SignJWT(c)
            .setProtectedHeader({ alg: 'RS256', kid: 'c1', crit: ['x-ext'], 'x-ext': 1 } as never)
            .sign(privateKey);
      },
    ],
    [
      'no kid while the JWKS has two matching keys',
      async () => {
        const a = await generateKeyPair('RS256');
        const b = await generateKeyPair('RS256');
        const keys = [await pub(a.publicKey, { kid: 'a' }), await pub(b.publicKey, { kid: 'b' })];
        flow.server.override.set('/jwks', () => json({ keys }));
        flow.server.idTokenSigner = (c) => new SignJWT(c).setProtectedHeader({ alg: 'RS256' }).sign(a.privateKey);
      },
    ],
    [
      'the only key marked use: enc',
      async () => {
        const { privateKey, publicKey } = await generateKeyPair('RS256');
        const keys = [await pub(publicKey, { kid: 'k', use: 'enc' })];
        flow.server.override.set('/jwks', () => json({ keys }));
        flow.server.idTokenSigner = (c) =>
          new SignJWT(c).setProtectedHeader({ alg: 'RS256', kid: 'k' }).sign(privateKey);
      },
    ],
    [
      'a key whose alg differs from the header (RS384 key, RS256 token)',
      async () => {
        const { privateKey, publicKey } = await generateKeyPair('RS256');
        const keys = [await pub(publicKey, { kid: 'k', alg: 'RS384' })];
        flow.server.override.set('/jwks', () => json({ keys }));
        flow.server.idTokenSigner = (c) =>
          new SignJWT(c).setProtectedHeader({ alg: 'RS256', kid: 'k' }).sign(privateKey);
      },
    ],
    [
      'an RSA key of 1024 bits',
      async () => {
        // jose refuses small keys: sign with WebCrypto directly.
        const alg = {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 1024,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        };
        const { privateKey, publicKey } = (await crypto.subtle.generateKey(alg, true, [
          'sign',
          'verify',
        ])) as CryptoKeyPair;
        const keys = [
          {
            ...(await crypto.subtle.exportKey('jwk', publicKey)),
            kid: 'k',
            alg: undefined,
            key_ops: undefined,
            ext: undefined,
          },
        ];
        flow.server.override.set('/jwks', () => json({ keys }));
        const enc = (v: unknown) => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
        flow.server.idTokenSigner = async (c) => {
          const input = `${enc({ alg: 'RS256', kid: 'k' })}.${enc(c)}`;
          const sig = new Uint8Array(
            await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, new TextEncoder().encode(input)),
          );
          return `${input}.${btoa(String.fromCharCode(...sig))
            .replace(/=+$/, '')
            .replace(/\+/g, '-')
            .replace(/\//g, '_')}`;
        };
      },
    ],
    [
      'an ES256 header with a P-384 key',
      async () => {
        flow.server.metadata.id_token_signing_alg_values_supported = ['ES256', 'ES384'];
        const { privateKey, publicKey } = await generateKeyPair('ES384');
        const keys = [await pub(publicKey, { kid: 'k' })];
        flow.server.override.set('/jwks', () => json({ keys }));
        flow.server.idTokenSigner = (c) =>
          new SignJWT(c)
            .setProtectedHeader({ alg: 'ES384', kid: 'k' })
            .sign(privateKey)
            .then((t) => {
              const [, p, s] = t.split('.');
              const h = btoa(JSON.stringify({ alg: 'ES256', kid: 'k' }))
                .replace(/=+$/, '')
                .replace(/\+/g, '-')
                .replace(/\//g, '_');
              return `${h}.${p}.${s}`;
            });
      },
    ],
  ];
  for (const [name, setup] of cases) {
    it(`refuses an ID token with ${name}, fetching no URL the token names`, async () => {
      await setup();
      const { next, result } = await flow.login();
      await expectCode(result, 'invalid_response');
      expect(next.isAuthenticated).toBe(false);
      expect(flow.server.requests.filter((r) => r.url.origin !== flow.server.issuer).map((r) => r.url.href)).toEqual(
        [],
      );
    });
  }
});
