/**
 * Page-level helpers for unit tests in happy-dom: capture navigations instead of leaving the
 * page, land on a URL as if the browser had navigated there, and collect everything the page
 * keeps in storage.
 */
import { vi } from 'vitest';

export const APP = 'https://app.example.com';

/** Replaces `location.assign` so a redirect is recorded, not performed. */
export function captureNavigation(): { last: () => string | undefined; all: string[] } {
  const all: string[] = [];
  vi.spyOn(window.location, 'assign').mockImplementation((url: string | URL) => void all.push(String(url)));
  return { all, last: () => all.at(-1) };
}

/** Puts the page on `url` (same origin) the way a navigation would, without loading anything. */
export function landOn(url: string): void {
  window.history.replaceState(null, '', url);
}

/** Everything the page could have persisted: Web Storage, cookies, URL, history.state. */
export function persistedState(): string {
  const dump = (s: Storage) =>
    Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? '')}`).join('\n');
  return [
    dump(window.localStorage),
    dump(window.sessionStorage),
    document.cookie,
    window.location.href,
    JSON.stringify(window.history.state),
  ].join('\n');
}

export function resetPage(): void {
  window.sessionStorage.clear();
  window.localStorage.clear();
  landOn(`${APP}/`);
}

/** The login transactions left in sessionStorage (the metadata cache is public and may stay). */
export function transactionKeys(): string[] {
  return Array.from({ length: window.sessionStorage.length }, (_, i) => window.sessionStorage.key(i) ?? '').filter(
    (k) => k.startsWith('spa-auth.tx.'),
  );
}
