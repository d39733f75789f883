import { useEffect, useSyncExternalStore, type ReactNode } from 'react';
import { createAuthClient } from 'spa-auth';

export const auth = createAuthClient({
  issuer: import.meta.env.VITE_ISSUER,
  clientId: import.meta.env.VITE_CLIENT_ID,
  redirectUri: location.origin + '/',
  postLogoutRedirectUri: location.origin + '/',
  scope: 'openid profile offline_access api',
  apiOrigins: [new URL(import.meta.env.VITE_API_URL).origin],
});

/** The session; re-renders on each change. init() is one promise, so StrictMode's second effect is harmless. */
export function useAuth() {
  useEffect(() => void auth.init().catch(console.error), []);
  return useSyncExternalStore(auth.subscribe, auth.getSnapshot);
}

/** Shows its children to a signed-in user; sends anyone else to login and back to this page. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { loading, isAuthenticated } = useAuth();
  useEffect(() => {
    if (!loading && !isAuthenticated) void auth.login({ returnTo: location.pathname });
  }, [loading, isAuthenticated]);
  return isAuthenticated ? children : null;
}
