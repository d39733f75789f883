import { beforeEach, describe, expect, it } from 'vitest';
import type { AuthClientOptions } from '../src/index.js';
import { userInfo } from '../src/userinfo.js';
import { expectCode, useFlow } from './helpers/flow.js';
import { dpop } from '../src/dpop-support.js';

const flow = useFlow();
const USERINFO = '/userinfo';

/** The provider's UserInfo answer for the next requests. */
let answer: () => Response;
const json = (body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': type } });

beforeEach(() => {
  flow.server.metadata.userinfo_endpoint = `${flow.server.issuer}${USERINFO}`;
  answer = () => json({ sub: 'alice', email: 'alice@example.com' });
  flow.server.override.set(USERINFO, () => answer());
});

const signedIn = (extra: Partial<AuthClientOptions> = {}) => flow.signedIn({ userInfo, ...extra });
const calls = () => flow.server.requests.filter((r) => r.url.pathname === USERINFO);

describe('getUserInfo()', () => {
  it("returns the claims for the session's access token, sent as a Bearer token in the header", async () => {
    const auth = await signedIn();
    await expect(auth.getUserInfo()).resolves.toEqual({ sub: 'alice', email: 'alice@example.com' });
    const [call] = calls();
    expect(call?.method).toBe('GET');
    expect(call?.headers.get('authorization')).toBe(`Bearer ${await auth.getAccessToken()}`);
    expect(call?.url.search).toBe(''); // never in the URL
  });

  it('is cached until the access token changes', async () => {
    const auth = await signedIn();
    await Promise.all([auth.getUserInfo(), auth.getUserInfo()]);
    await auth.getUserInfo();
    expect(calls()).toHaveLength(1);
    await auth.getAccessToken({ forceRefresh: true });
    answer = () => json({ sub: 'alice', email: 'new@example.com' });
    await expect(auth.getUserInfo()).resolves.toMatchObject({ email: 'new@example.com' });
    expect(calls()).toHaveLength(2);
  });

  it("refuses an answer whose sub is not the ID token's (OIDC Core §5.3.4): invalid_response, none of its claims", async () => {
    const auth = await signedIn();
    answer = () => json({ sub: 'mallory', email: 'mallory@example.com' });
    const err = await expectCode(auth.getUserInfo(), 'invalid_response');
    expect(err.message).not.toContain('mallory');
    // not cached: a correct answer later is taken
    answer = () => json({ sub: 'alice' });
    await expect(auth.getUserInfo()).resolves.toEqual({ sub: 'alice' });
  });

  it('refuses an answer that is not JSON', async () => {
    const auth = await signedIn();
    answer = () => new Response('<html>hello</html>', { status: 200, headers: { 'content-type': 'text/html' } });
    await expectCode(auth.getUserInfo(), 'invalid_response');
  });

  it("takes a signed JWT answer only when its signature verifies with the provider's keys", async () => {
    flow.server.metadata.userinfo_signing_alg_values_supported = ['RS256'];
    const auth = await signedIn();
    const signed = await flow.server.idToken({
      sub: 'alice',
      iss: flow.server.issuer,
      aud: 'spa',
      email: 'signed@example.com',
    });
    answer = () => new Response(signed, { status: 200, headers: { 'content-type': 'application/jwt' } });
    await expect(auth.getUserInfo()).resolves.toMatchObject({ sub: 'alice', email: 'signed@example.com' });
    await auth.getAccessToken({ forceRefresh: true }); // a new token: asked again
    const b64 = (x: unknown) => btoa(JSON.stringify(x)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    const forged = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ sub: 'alice', iss: flow.server.issuer, aud: 'spa' })}.${b64('not a signature')}`;
    answer = () => new Response(forged, { status: 200, headers: { 'content-type': 'application/jwt' } });
    await expectCode(auth.getUserInfo(), 'invalid_response');
  });

  it('refuses an answer over the size cap', async () => {
    const auth = await signedIn();
    answer = () => json({ sub: 'alice', pad: 'x'.repeat(1 << 20) });
    await expectCode(auth.getUserInfo(), 'invalid_response');
  });

  it('login_required without a session', async () => {
    const auth = flow.client({ userInfo });
    await auth.init();
    await expectCode(auth.getUserInfo(), 'login_required');
    expect(calls()).toHaveLength(0);
  });

  it('invalid_config when the provider has no userinfo_endpoint', async () => {
    delete flow.server.metadata.userinfo_endpoint;
    const auth = await signedIn();
    const err = await expectCode(auth.getUserInfo(), 'invalid_config');
    expect(err.message).toContain('userinfo_endpoint');
  });

  it('needs the userInfo option: invalid_config naming it', async () => {
    const auth = await flow.signedIn();
    const err = await expectCode(auth.getUserInfo(), 'invalid_config');
    expect(err.message).toContain('spa-auth/userinfo');
    expect(calls()).toHaveLength(0);
  });

  it('with DPoP: the DPoP scheme and a proof bound to the access token', async () => {
    flow.server.tokenHook = (body) => ({ ...body, token_type: 'DPoP' });
    const auth = await signedIn({ dpop });
    await auth.getUserInfo();
    const [call] = calls();
    expect(call?.headers.get('authorization')).toBe(`DPoP ${await auth.getAccessToken()}`);
    const proof = call?.headers.get('dpop')?.split('.')[1];
    const claims = JSON.parse(atob(proof!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    expect(claims).toMatchObject({ htm: 'GET', htu: `${flow.server.issuer}${USERINFO}` });
    expect(typeof claims.ath).toBe('string');
  });
});
