import { readable } from 'svelte/store';
import { createAuthClient } from 'spa-auth';

export const auth = createAuthClient({
  issuer: 'https://id.example.com',
  clientId: 'my-spa',
  redirectUri: location.origin + '/',
  apiOrigins: ['https://api.example.com'],
});
auth.init().catch(console.error);

/** The session as a store: `$session.loading`, `$session.user?.name` in any component. */
export const session = readable(auth.getSnapshot(), (set) => {
  set(auth.getSnapshot()); // it may have changed while nobody was subscribed
  return auth.subscribe(() => set(auth.getSnapshot()));
});
