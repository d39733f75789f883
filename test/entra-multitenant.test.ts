/**
 * Microsoft Entra ID multi-tenant (`common`, `organizations`): the discovered issuer is the
 * template `https://login.microsoftonline.com/{tenantid}/v2.0`, accepted only for a configured
 * issuer that is that template; each ID token's `iss` must be the template filled with its own
 * `tid`. Never a wildcard.
 */
import { describe, expect, it } from 'vitest';
import type { AuthError } from '../src/index.js';
import { isTenantTemplate, tenantIssuer } from '../src/tenant-issuer.js';
import { PROFILES, type Profile } from './fixtures/providers.js';
import { captureNavigation, landOn } from './helpers/browser.js';
import { usePlay } from './helpers/play.js';

const play = usePlay();
const TEMPLATE = 'https://login.microsoftonline.com/{tenantid}/v2.0';
const CONTOSO = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const FABRIKAM = '3d4e5f60-7a8b-4c9d-8e0f-a1b2c3d4e5f6';
const single = PROFILES.find((p) => p.name.startsWith('Microsoft Entra ID'))!;

/** Entra's `organizations` discovery document: the single-tenant one with `organizations` endpoints and the template issuer. */
function multiTenant(alias: 'common' | 'organizations', claims: NonNullable<Profile['claims']>): Profile {
  const discovery = JSON.parse(
    JSON.stringify(single.discovery).replaceAll(
      /login\.microsoftonline\.com\/[\da-f-]{36}/g,
      `login.microsoftonline.com/${alias}`,
    ),
  ) as Record<string, unknown>;
  discovery.issuer = TEMPLATE;
  return {
    ...single,
    name: `Entra ${alias}`,
    issuer: `https://login.microsoftonline.com/${alias}/v2.0`,
    discovery,
    claims,
  };
}

/** Logs in against `profile`; resolves the client and the error it failed with, if any. */
async function login(profile: Profile, issuer = profile.issuer) {
  const { server, client } = await play(profile);
  const nav = captureNavigation();
  const started = await client({ issuer })
    .login()
    .then(
      () => undefined,
      (e: unknown) => e as AuthError,
    );
  if (started) return { error: started, server };
  landOn(server.authorize(nav.last()!));
  const auth = client({ issuer });
  const error = await auth.init().then(
    () => undefined,
    (e: unknown) => e as AuthError,
  );
  return { auth, error, server };
}

const tenantToken = (tid: unknown, iss: string) => (c: Record<string, unknown>) => ({ ...c, tid, iss });

describe('Entra ID multi-tenant issuers', () => {
  it.each(['common', 'organizations'] as const)(
    '%s: a token whose iss is its own tenant’s is accepted, for any tenant',
    async (alias) => {
      for (const tid of [CONTOSO, FABRIKAM]) {
        const { auth, error } = await login(
          multiTenant(alias, tenantToken(tid, `https://login.microsoftonline.com/${tid}/v2.0`)),
        );
        expect(error).toBeUndefined();
        expect(auth?.user?.iss).toBe(`https://login.microsoftonline.com/${tid}/v2.0`);
      }
    },
  );

  it('refuses a token whose iss names another tenant than its tid, or the template itself, or a tid that is not a GUID', async () => {
    const cases = [
      tenantToken(CONTOSO, `https://login.microsoftonline.com/${FABRIKAM}/v2.0`),
      tenantToken(undefined, TEMPLATE),
      tenantToken('{tenantid}', TEMPLATE),
      tenantToken('evil.example/x', 'https://login.microsoftonline.com/evil.example/x/v2.0'),
      tenantToken(CONTOSO, `https://login.microsoftonline.com/${CONTOSO}/v2.0/`),
      // a GUID in an array is not a GUID: String([guid]) would have passed
      tenantToken([CONTOSO], `https://login.microsoftonline.com/${CONTOSO}/v2.0`),
    ];
    for (const claims of cases) {
      const { auth, error } = await login(multiTenant('organizations', claims));
      expect(error?.code).toBe('invalid_response');
      expect(auth?.isAuthenticated).toBe(false);
    }
  });

  it('accepts the template only for a configured issuer that is that template', async () => {
    const profile = multiTenant(
      'organizations',
      tenantToken(CONTOSO, `https://login.microsoftonline.com/${CONTOSO}/v2.0`),
    );
    // a single-tenant configuration served the template: refused at discovery
    for (const issuer of [
      `https://login.microsoftonline.com/${CONTOSO}/v2.0`,
      'https://login.microsoftonline.com/consumers/v2.0',
    ]) {
      const { error } = await login({ ...profile, issuer }, issuer);
      expect(error?.code).toBe('invalid_response');
    }
    expect(isTenantTemplate('https://login.microsoftonline.com/common/v2.0', TEMPLATE)).toBe(true);
    expect(
      isTenantTemplate(
        'https://login.microsoftonline.com/common/v2.0',
        'https://login.microsoftonline.us/{tenantid}/v2.0',
      ),
    ).toBe(false);
    expect(
      isTenantTemplate(
        'https://login.microsoftonline.com/common/v2.0',
        'https://login.microsoftonline.com/{tenantid}{tenantid}/v2.0',
      ),
    ).toBe(false);
    expect(
      isTenantTemplate(
        'https://login.microsoftonline.com/x-common/v2.0',
        'https://login.microsoftonline.com/x-{tenantid}/v2.0',
      ),
    ).toBe(false);
    expect(
      isTenantTemplate(
        'https://login.microsoftonline.com/common/v2.0',
        'https://login.microsoftonline.com/common/v2.0',
      ),
    ).toBe(false);
    expect(tenantIssuer(TEMPLATE, { tid: CONTOSO })).toBe(`https://login.microsoftonline.com/${CONTOSO}/v2.0`);
  });

  it('a renewal that brings a token of another tenant is refused', async () => {
    let tid = CONTOSO;
    const { auth, error, server } = await login(
      multiTenant('organizations', (c) => ({ ...c, tid, iss: `https://login.microsoftonline.com/${tid}/v2.0` })),
    );
    expect(error).toBeUndefined();
    expect(await auth!.getAccessToken({ forceRefresh: true })).toBe(server.issued.accessTokens[1]);
    tid = FABRIKAM;
    await expect(auth!.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ code: 'login_required' });
    expect(auth!.user).toBeUndefined();
  });
});
