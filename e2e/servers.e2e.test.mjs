// The test servers themselves, without a browser and without the SDK: the provider issues
// and rotates what the SDK tests rely on, the API really verifies tokens and DPoP proofs, PAR
// and DPoP switches work, stop/restart keeps grants, and the pages carry a strict CSP.
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashSecret, startProvider } from '../demo/provider.mjs';
import { startStack } from '../demo/stack.mjs';
import { startApi } from '../demo/api.mjs';
import { callApi, headlessLogin, oauth, rawRefresh, refresh } from './headless-client.mjs';

describe('default stack', () => {
  let stack;
  let redirectUri;
  beforeAll(async () => {
    stack = await startStack({ provider: { accessTokenTTL: 120 } });
    redirectUri = `${stack.pages.url}/`;
  });
  afterAll(() => stack?.stop());

  test('code flow: JWT access token for the API, rotating refresh token, ID token with name', async () => {
    const { tokens } = await headlessLogin({ issuer: stack.provider.issuer, redirectUri, user: 'carol' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBeLessThanOrEqual(120);
    expect(tokens.refresh_token).toBeTruthy();
    const at = decodeJwt(tokens.access_token);
    expect(at).toMatchObject({ sub: 'carol', aud: 'urn:spa-auth:demo-api', scope: 'api', iss: stack.provider.issuer });
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: 'carol', name: 'Carol' });

    const res = await fetch(`${stack.api.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: 'carol', scope: 'api', tokenType: 'Bearer' });
    expect(stack.api.requests.at(-1)).toMatchObject({ path: '/me', authorization: true, status: 200, sub: 'carol' });
    expect(stack.provider.issued.at(-1).accessToken === tokens.access_token).toBe(true);
  });

  test('refresh rotates; replaying a rotated-out refresh token is recorded and revokes the grant', async () => {
    const session = await headlessLogin({ issuer: stack.provider.issuer, redirectUri, user: 'dave' });
    const first = session.tokens.refresh_token;
    const renewed = await refresh(session, first);
    expect(renewed.refresh_token).not.toBe(first);
    expect(decodeJwt(renewed.access_token)).toMatchObject({ sub: 'dave', aud: 'urn:spa-auth:demo-api' });
    const refreshes = stack.provider.requests.filter((r) => r.grantType === 'refresh_token');
    expect(refreshes.at(-1)).toMatchObject({
      status: 200,
      refreshTokenHash: hashSecret(first),
      issuedRefreshTokenHash: hashSecret(renewed.refresh_token),
    });

    const replay = await rawRefresh(stack.provider.issuer, first);
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const hashes = stack.provider.requests
      .filter((r) => r.grantType === 'refresh_token')
      .map((r) => r.refreshTokenHash);
    expect(hashes.filter((h) => h === hashSecret(first))).toHaveLength(2); // how a test spots reuse
    expect(await rawRefresh(stack.provider.issuer, renewed.refresh_token)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
  });

  test('revocation of the refresh token ends the grant; a JWT access token cannot be revoked', async () => {
    const { tokens } = await headlessLogin({ issuer: stack.provider.issuer, redirectUri, user: 'erin' });
    const revoke = (token, hint) =>
      fetch(`${stack.provider.issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: stack.pages.url },
        body: new URLSearchParams({ token, token_type_hint: hint, client_id: 'spa-demo' }),
      });
    const res = await revoke(tokens.refresh_token, 'refresh_token');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(stack.pages.url);
    expect(stack.provider.requests.at(-1)).toMatchObject({
      route: 'revocation',
      tokenHash: hashSecret(tokens.refresh_token),
      status: 200,
    });
    expect(await rawRefresh(stack.provider.issuer, tokens.refresh_token)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect((await revoke(tokens.access_token, 'access_token')).status).toBe(400);
  });

  test('revokeGrants(sub) and endSessions(sub) act on one user only', async () => {
    const frank = await headlessLogin({ issuer: stack.provider.issuer, redirectUri, user: 'frank' });
    const grace = await headlessLogin({ issuer: stack.provider.issuer, redirectUri, user: 'grace' });
    expect(await stack.provider.revokeGrants('frank')).toBe(1);
    expect(await rawRefresh(stack.provider.issuer, frank.tokens.refresh_token)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect((await rawRefresh(stack.provider.issuer, grace.tokens.refresh_token)).status).toBe(200);
    expect(await stack.provider.endSessions('grace')).toBe(1);
  });

  test('stop() then restart() on the same port keeps grants', async () => {
    const { tokens, as, client } = await headlessLogin({ issuer: stack.provider.issuer, redirectUri, user: 'heidi' });
    await stack.provider.stop();
    await expect(fetch(`${stack.provider.issuer}/jwks`)).rejects.toThrow();
    await stack.provider.restart();
    const renewed = await refresh({ as, client }, tokens.refresh_token);
    expect(decodeJwt(renewed.access_token).sub).toBe('heidi');
  });

  test('CORS: the provider answers the app origin only; the API too; the recorder everyone', async () => {
    const discovery = `${stack.provider.issuer}/token`;
    const preflight = (url, origin) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'dpop' },
      });
    expect((await preflight(discovery, stack.pages.url)).headers.get('access-control-allow-origin')).toBe(
      stack.pages.url,
    );
    const other = await fetch(`${stack.provider.issuer}/token`, {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:1', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'spa-demo' }),
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(
      (await preflight(`${stack.api.url}/me`, stack.pages.url)).headers.get('access-control-allow-headers'),
    ).toMatch(/dpop/);
    expect(
      (await preflight(`${stack.api.url}/me`, 'http://127.0.0.1:1')).headers.get('access-control-allow-origin'),
    ).toBeNull();
    const rec = await preflight(`${stack.recorder.url}/echo`, 'http://127.0.0.1:1');
    expect(rec.headers.get('access-control-allow-headers')).toBe('dpop');
  });

  test('the API refuses missing, forged and wrongly-bound tokens', async () => {
    const me = (authorization) => fetch(`${stack.api.url}/me`, { headers: authorization ? { authorization } : {} });
    const missing = await me();
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ sub: 'mallory', scope: 'api' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setIssuer(stack.provider.issuer)
      .setAudience('urn:spa-auth:demo-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const res = await me(`Bearer ${forged}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="access token rejected"',
    );
    const { tokens } = await headlessLogin({ issuer: stack.provider.issuer, redirectUri, user: 'ivan' });
    expect((await me(`DPoP ${tokens.access_token}`)).status).toBe(401); // not DPoP-bound

    stack.api.rejectNext(1, 'Bearer error="insufficient_user_authentication", acr_values="mfa"');
    const forced = await me(`Bearer ${tokens.access_token}`);
    expect(forced.status).toBe(401);
    expect(forced.headers.get('www-authenticate')).toMatch(/insufficient_user_authentication/);
    expect((await me(`Bearer ${tokens.access_token}`)).status).toBe(200);
  });

  test('pages: strict CSP, the ESM build served with its oauth4webapi import rewritten, config per page', async () => {
    const page = await fetch(`${stack.pages.url}/`);
    const csp = page.headers.get('content-security-policy');
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toContain(`connect-src 'self' ${stack.provider.issuer} ${stack.api.url} ${stack.recorder.url}`);
    expect(await page.text()).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*src=)[^>]*>/);
    const esm = await fetch(`${stack.pages.url}/spa-auth.js`);
    if (esm.status === 200) expect(await esm.text()).not.toMatch(/from\s*['"]oauth4webapi['"]/);
    expect((await fetch(`${stack.pages.url}/oauth4webapi.js`)).status).toBe(200);
    const config = await (await fetch(`${stack.pages.url}/config.json?page=static&dpop=1`)).json();
    expect(config.client).toMatchObject({
      issuer: stack.provider.issuer,
      clientId: 'spa-demo',
      redirectUri: `${stack.pages.url}/static.html`,
      silentRedirectUri: `${stack.pages.url}/silent.html`,
      apiOrigins: [stack.api.url],
      dpop: true,
    });
    // the silent page: the tiny entry only, with the ES-module app's options
    const silentHtml = await (await fetch(`${stack.pages.url}/silent.html`)).text();
    expect(silentHtml).toContain('<script src="/silent-callback.iife.min.js"></script>');
    expect(silentHtml).not.toMatch(/spa-auth\.(iife\.min\.)?js/);
    expect((await fetch(`${stack.pages.url}/silent-callback.iife.min.js`)).status).toBe(200);
    const silent = await (await fetch(`${stack.pages.url}/config.json?page=silent`)).json();
    expect(silent.client).toMatchObject({
      redirectUri: `${stack.pages.url}/`,
      silentRedirectUri: `${stack.pages.url}/silent.html`,
    });
    expect(stack.api.requests.every((r) => !('token' in r))).toBe(true);
  });
});

describe('DPoP and PAR switches', () => {
  test('dpop + requireDpopNonce: DPoP-bound tokens, proofs verified by the API with its own nonce', async () => {
    const stack = await startStack({ provider: { dpop: true, requireDpopNonce: true } });
    try {
      const redirectUri = `${stack.pages.url}/`;
      const plain = await headlessLogin({ issuer: stack.provider.issuer, redirectUri, user: 'judy' }).catch((e) => e);
      expect(plain.tokens).toBeUndefined(); // the client must use DPoP

      const session = await headlessLogin({ issuer: stack.provider.issuer, redirectUri, user: 'judy', dpop: true });
      expect(session.tokens.token_type.toLowerCase()).toBe('dpop');
      expect(decodeJwt(session.tokens.access_token).cnf.jkt).toBeTruthy();
      expect(
        stack.provider.requests.some((r) => r.route === 'token' && r.status === 400 && r.error === 'use_dpop_nonce'),
      ).toBe(true);

      const url = `${stack.api.url}/me`;
      let res = await callApi(url, session.tokens.access_token, session.dpop);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ sub: 'judy', tokenType: 'DPoP' });

      stack.api.setRequireDpopNonce(true);
      const first = await callApi(url, session.tokens.access_token, session.dpop).catch((e) => e);
      expect(oauth.isDPoPNonceError(first)).toBe(true);
      expect(stack.api.requests.at(-1)).toMatchObject({
        status: 401,
        error: 'use_dpop_nonce',
        dpop: true,
        authorizationScheme: 'DPoP',
      });
      res = await callApi(url, session.tokens.access_token, session.dpop);
      expect(res.status).toBe(200);

      // the token alone (Bearer), or a proof for another token / key / replayed jti, is refused
      const bearer = await fetch(url, { headers: { authorization: `Bearer ${session.tokens.access_token}` } });
      expect(bearer.status).toBe(401);
      expect(bearer.headers.get('www-authenticate')).toMatch(/^DPoP /);
      const attacker = await generateKeyPair('ES256');
      const proof = (jti, nonce) =>
        new SignJWT({
          htm: 'GET',
          htu: url,
          jti,
          nonce,
          ath: createHash('sha256').update(session.tokens.access_token).digest('base64url'),
        })
          .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: attackerJwk })
          .setIssuedAt()
          .sign(attacker.privateKey);
      const attackerJwk = await exportJWK(attacker.publicKey);
      const stolen = await fetch(url, {
        headers: { authorization: `DPoP ${session.tokens.access_token}`, dpop: await proof(randomUUID(), undefined) },
      });
      expect(stolen.status).toBe(401);
      expect(stack.api.requests.at(-1).error).toBe('invalid_dpop_proof');

      const renewed = await refresh(session, session.tokens.refresh_token);
      expect(decodeJwt(renewed.access_token).cnf.jkt).toBe(decodeJwt(session.tokens.access_token).cnf.jkt);
    } finally {
      await stack.stop();
    }
  });

  test('requirePar: a plain authorization request is refused, a pushed one works', async () => {
    const stack = await startStack({ provider: { requirePar: true } });
    try {
      const redirectUri = `${stack.pages.url}/`;
      const plain = await headlessLogin({ issuer: stack.provider.issuer, redirectUri });
      expect(plain.tokens).toBeUndefined();
      expect(plain.authorizationError).toBe('invalid_request');
      const pushed = await headlessLogin({ issuer: stack.provider.issuer, redirectUri, par: true, user: 'ken' });
      expect(decodeJwt(pushed.tokens.access_token).sub).toBe('ken');
      expect(stack.provider.requests.some((r) => r.route === 'pushed_authorization_request' && r.status === 201)).toBe(
        true,
      );
    } finally {
      await stack.stop();
    }
  });

  test('startApi/startProvider can run alone on free ports', async () => {
    const provider = await startProvider({ appOrigins: ['http://127.0.0.1:9'] });
    const api = await startApi({
      issuer: provider.issuer,
      audience: 'urn:spa-auth:demo-api',
      allowedOrigin: 'http://127.0.0.1:9',
    });
    try {
      expect(new URL(provider.issuer).hostname).toBe('127.0.0.1');
      expect(new URL(api.url).hostname).toBe('127.0.0.1');
      expect((await fetch(`${api.url}/health`)).status).toBe(200);
    } finally {
      await Promise.all([api.stop(), provider.stop()]);
    }
  });
});
