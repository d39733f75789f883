import { readonly, shallowRef } from 'vue';
import { createAuthClient } from 'spa-auth';

export const auth = createAuthClient({
  issuer: import.meta.env.VITE_ISSUER,
  clientId: import.meta.env.VITE_CLIENT_ID,
  redirectUri: location.origin + '/',
  postLogoutRedirectUri: location.origin + '/',
  scope: 'openid profile offline_access api',
  apiOrigins: [new URL(import.meta.env.VITE_API_URL).origin],
});

// One shallowRef for the whole app: each change brings a new frozen snapshot.
const session = shallowRef(auth.getSnapshot());
auth.subscribe(() => (session.value = auth.getSnapshot()));
auth.init().catch(console.error);

/** The session (loading, isAuthenticated, user, expiresAt) as a read-only ref. */
export const useAuth = () => readonly(session);
