import { Buffer } from 'node:buffer';

/**
 * Verified tokens kept per verifier in fast-jwt's LRU cache; at most about 16 MiB, since a request head
 * caps a token at 16 KiB.
 */
export const VERIFIED_TOKEN_CACHE_SIZE = 1000;

/** The claims a replica relies on after a token passed every check. */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

export type AccessTokenCheck =
  | { ok: true; claims: AccessTokenClaims }
  | { ok: false; reason: string; claims: { sub?: string; jti?: string } };

export interface AccessTokenVerifierOptions {
  /** Checks signature and registered claims, then returns the payload or throws (fast-jwt 6.3). */
  verifySignatureAndClaims: (token: string) => unknown;
  clockToleranceSeconds: number;
  now?: () => number;
}

const LOGGED_CLAIM_MAX_LENGTH = 64;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Builds the replica's access token check: the library verifies the signature and the iss, aud, exp,
 * nbf and required claims first, then this function adds what it leaves open.
 *
 * - Header and payload must be valid UTF-8. fast-jwt 6.3 decodes with replacement characters, so an
 *   overlong sequence such as C0 AF would otherwise pass (RFC 7519 section 7.2 step 10).
 * - `sub` and `jti` must be non-empty strings and `iat` and `exp` numbers, because without allow-lists
 *   the library checks only that `sub`, `jti` and `iat` are present.
 * - The token is expired at `exp` itself: RFC 7519 section 4.1.4 requires the current time to be
 *   before `exp`, while fast-jwt still accepts a token during the millisecond `exp` names.
 *
 * Every failure has a reason for the log and, when the payload decodes, the token's `sub` and `jti`.
 */
export function buildAccessTokenVerifier(options: AccessTokenVerifierOptions) {
  const now = options.now ?? (() => Date.now());
  const toleranceMs = options.clockToleranceSeconds * 1000;

  return function verifyAccessToken(token: string): AccessTokenCheck {
    let payload: unknown;
    try {
      payload = options.verifySignatureAndClaims(token);
    } catch (error) {
      return { ok: false, reason: reasonOf(error), claims: peekClaims(token) };
    }

    const [header = '', body = ''] = token.split('.');
    if (!isUtf8(header) || !isUtf8(body)) {
      return { ok: false, reason: 'TOKEN_NOT_UTF8', claims: {} };
    }

    const claims = payload as Record<string, unknown>;
    const { sub, jti, iat, exp } = claims;
    if (typeof sub !== 'string' || sub === '' || typeof jti !== 'string' || jti === '') {
      return { ok: false, reason: 'CLAIM_TYPE_INVALID', claims: pickLoggableClaims(claims) };
    }
    if (!isFiniteNumber(iat) || !isFiniteNumber(exp)) {
      return { ok: false, reason: 'CLAIM_TYPE_INVALID', claims: pickLoggableClaims(claims) };
    }

    if (now() >= exp * 1000 + toleranceMs) {
      return { ok: false, reason: 'FAST_JWT_EXPIRED', claims: pickLoggableClaims(claims) };
    }

    return { ok: true, claims: { sub, jti, iat, exp } };
  };
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'VERIFY_FAILED';
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isUtf8(segment: string): boolean {
  try {
    utf8.decode(Buffer.from(segment, 'base64url'));
    return true;
  } catch {
    return false;
  }
}

/** Reads `sub` and `jti` from a token that failed verification, for the log only; never trusted. */
function peekClaims(token: string): { sub?: string; jti?: string } {
  const body = token.split('.')[1];
  if (!body) {
    return {};
  }
  try {
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null ? pickLoggableClaims(payload) : {};
  } catch {
    return {};
  }
}

function pickLoggableClaims(payload: object): { sub?: string; jti?: string } {
  const { sub, jti } = payload as Record<string, unknown>;
  const picked: { sub?: string; jti?: string } = {};
  if (typeof sub === 'string') {
    picked.sub = sub.slice(0, LOGGED_CLAIM_MAX_LENGTH);
  }
  if (typeof jti === 'string') {
    picked.jti = jti.slice(0, LOGGED_CLAIM_MAX_LENGTH);
  }
  return picked;
}
