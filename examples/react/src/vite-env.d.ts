/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The OpenID Provider's issuer, e.g. https://id.example.com */
  readonly VITE_ISSUER: string;
  /** The app's client_id at that provider. */
  readonly VITE_CLIENT_ID: string;
  /** The API the app calls with auth.fetch; its origin is the one apiOrigins entry. */
  readonly VITE_API_URL: string;
}
