import { useEffect, useState } from 'react';
import { auth, RequireAuth, useAuth } from './auth';

/** Calls the API through auth.fetch: the token goes to apiOrigins only. */
function Account() {
  const [result, setResult] = useState<{ status: number; sub?: string | undefined }>();
  const call = async () => {
    const res = await auth.fetch(import.meta.env.VITE_API_URL + '/me');
    setResult({ status: res.status, sub: ((await res.json()) as { sub?: string }).sub });
  };
  return (
    <section>
      <h2>Account</h2>
      <button id="call-api" onClick={() => void call()}>
        Call the API
      </button>
      {result && (
        <p id="api-result" data-state="done" data-status={result.status} data-sub={result.sub}>
          The API answered {result.status} for {result.sub}
        </p>
      )}
    </section>
  );
}

export function App() {
  const { loading, isAuthenticated, user } = useAuth();
  const [path, setPath] = useState(location.pathname);
  // Back from login: go where RequireAuth was (a router would navigate() instead).
  useEffect(() => {
    auth.init().then(
      ({ returnTo }) => {
        if (returnTo) history.replaceState(null, '', returnTo);
        if (returnTo) setPath(returnTo);
      },
      () => undefined,
    );
  }, []);
  const state = loading ? 'loading' : isAuthenticated ? 'signed-in' : 'signed-out';
  return (
    <main>
      <h1>spa-auth with React</h1>
      <p id="status" data-state={state}>
        {state === 'signed-in' ? (
          <>
            Signed in as{' '}
            <b id="user" data-sub={user?.sub}>
              {String(user?.name ?? user?.sub)}
            </b>{' '}
            <button id="logout" onClick={() => void auth.logout()}>
              Sign out
            </button>
          </>
        ) : state === 'signed-out' ? (
          <button id="login" onClick={() => void auth.login()}>
            Sign in
          </button>
        ) : (
          'Loading…'
        )}
      </p>
      <nav>
        <a href="/">Home</a> · <a href="/account">Account</a>
      </nav>
      {path === '/account' ? (
        <RequireAuth>
          <Account />
        </RequireAuth>
      ) : (
        <p>Home: open Account to call the API.</p>
      )}
    </main>
  );
}
