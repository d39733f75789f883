import { Injectable, signal } from '@angular/core';
import type { CanActivateFn } from '@angular/router';
import { createAuthClient } from 'spa-auth';

const auth = createAuthClient({
  issuer: 'https://id.example.com',
  clientId: 'my-spa',
  redirectUri: location.origin + '/',
  apiOrigins: ['https://api.example.com'],
});

/** The session as a signal; API calls through auth.fetch, so tokens go to apiOrigins only. */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly state = signal(auth.getSnapshot());
  readonly session = this.state.asReadonly();
  login = (returnTo?: string) => auth.login({ returnTo });
  logout = () => auth.logout();
  constructor() {
    auth.subscribe(() => this.state.set(auth.getSnapshot()));
    auth.init().catch(console.error);
  }
  async getJson<T>(url: string, init?: RequestInit): Promise<T> {
    const res = await auth.fetch(url, init);
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return (await res.json()) as T;
  }
}

/** A route guard: `canActivate: [authGuard]` signs the user in and comes back to the route. */
export const authGuard: CanActivateFn = async (_route, state) => {
  await auth.init().catch(() => undefined); // a failed callback leaves the user signed out
  if (auth.isAuthenticated) return true;
  await auth.login({ returnTo: state.url });
  return false;
};
