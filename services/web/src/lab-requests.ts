import type { StrategyEntry } from './catalog.js';

/** A demo user's name and password as the login form sends them. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Proof a strategy sends on each request after sign-in: a bearer token, the password (basic), or none (cookie). */
export interface SignInState {
  readonly accessToken: string | null;
  readonly basicCredentials: Credentials | null;
}

/** The `credentials` mode of `fetch` the page uses: cookies across origins, or none. */
export type CredentialsMode = 'include' | 'omit';

/** A request the page is about to send, described so the details panel can show it before and after. */
export interface PlannedRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly credentials: CredentialsMode;
  /** Headers the script sets; the browser adds `Origin`, `Cookie` and others that scripts cannot set or see. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

export const SIGNED_OUT: SignInState = Object.freeze({ accessToken: null, basicCredentials: null });

/**
 * Only the cookie strategies send credentials across origins. A bearer token travels in a header the script
 * sets, so its requests omit cookies and cannot pick up a stale session by accident.
 */
function pickCredentialsMode(strategy: StrategyEntry): CredentialsMode {
  return strategy.credential === 'cookie' ? 'include' : 'omit';
}

/** Plans the sign-in request of a strategy, or returns null for `basic`, which has no sign-in step. */
export function planLogin(
  strategy: StrategyEntry,
  baseUrl: string,
  user: Credentials,
): PlannedRequest | null {
  if (strategy.loginPath === undefined) {
    return null;
  }

  return {
    method: 'POST',
    url: `${baseUrl}${strategy.loginPath}`,
    credentials: pickCredentialsMode(strategy),
    // application/json is not a CORS-safelisted content type, so the browser sends a preflight first.
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user.username, password: user.password }),
  };
}

/** Plans one request of a burst: the strategy's `me` route with whatever proof the sign-in left. */
export function planMe(strategy: StrategyEntry, baseUrl: string, state: SignInState): PlannedRequest {
  const headers: Record<string, string> = {};

  if (strategy.credential === 'bearer' && state.accessToken !== null) {
    headers.authorization = `Bearer ${state.accessToken}`;
  }
  if (strategy.credential === 'basic' && state.basicCredentials !== null) {
    const { username, password } = state.basicCredentials;
    headers.authorization = `Basic ${encodeBase64(`${username}:${password}`)}`;
  }

  return {
    method: 'GET',
    url: `${baseUrl}${strategy.mePath}`,
    credentials: pickCredentialsMode(strategy),
    headers,
    body: null,
  };
}

/** Plans the sign-out request of a strategy, or returns null when signing out only clears a value in the page. */
export function planLogout(strategy: StrategyEntry, baseUrl: string): PlannedRequest | null {
  if (strategy.logoutPath === undefined) {
    return null;
  }

  return {
    method: 'POST',
    url: `${baseUrl}${strategy.logoutPath}`,
    credentials: pickCredentialsMode(strategy),
    headers: {},
    body: null,
  };
}

/** Encodes UTF-8 text as base64, the form RFC 7617 section 2 gives the user-id and password of Basic authentication. */
export function encodeBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}

/** Shortens a secret for display: its first characters and its length, never the whole value. */
export function maskSecret(value: string, visibleCharacters = 10): string {
  if (value.length <= visibleCharacters) {
    return `${'•'.repeat(value.length)} (${value.length})`;
  }
  return `${value.slice(0, visibleCharacters)}… (${value.length})`;
}

/** Replaces the credential in an `Authorization` value with a masked form, keeping the scheme readable. */
export function maskAuthorization(value: string): string {
  const space = value.indexOf(' ');
  if (space === -1) {
    return maskSecret(value);
  }
  const scheme = value.slice(0, space);
  const credential = value.slice(space + 1);
  // A Basic credential is the password in base64, so not even its first characters are shown.
  return `${scheme} ${scheme.toLowerCase() === 'basic' ? maskSecret(credential, 0) : maskSecret(credential)}`;
}

/** The readable claims of a JWT payload, decoded without checking the signature: only for display. */
export interface DisplayClaims {
  readonly sub: string | null;
  readonly jti: string | null;
  readonly issuedAtSeconds: number | null;
  readonly expiresAtSeconds: number | null;
}

/** Decodes the payload of a compact JWT for display, or returns null when it is not three base64url parts. */
export function decodeDisplayClaims(token: string): DisplayClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) {
    return null;
  }

  let payload: unknown;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (typeof payload !== 'object' || payload === null) {
    return null;
  }

  const claims = payload as Record<string, unknown>;
  return {
    sub: typeof claims.sub === 'string' ? claims.sub : null,
    jti: typeof claims.jti === 'string' ? claims.jti : null,
    issuedAtSeconds: typeof claims.iat === 'number' ? claims.iat : null,
    expiresAtSeconds: typeof claims.exp === 'number' ? claims.exp : null,
  };
}
