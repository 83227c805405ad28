import { buildErrorFactory, commonErrors, type ErrorCatalog } from '@authlab/http-errors';

/** Every error code the auth service sends, with its status and message. docs/errors.md lists the same codes. */
export const authErrors = {
  ...commonErrors,
  LOGIN_FAILED: {
    statusCode: 401,
    message: 'The username or password is incorrect. Check them and sign in again.',
  },
  LOGIN_THROTTLED: {
    statusCode: 429,
    message:
      'Too many failed logins for this account or from this address. Retry after the number of seconds in Retry-After.',
  },
  REFRESH_TOKEN_MISSING: {
    statusCode: 401,
    message:
      'The request carries no refresh token. Send it in the refresh_token cookie or as refresh_token in a JSON body, or sign in again.',
  },
  REFRESH_TOKEN_INVALID: {
    statusCode: 401,
    message: 'The refresh token is invalid, expired or revoked. Sign in again.',
  },
  REFRESH_TOKEN_CONFLICT: {
    statusCode: 409,
    message:
      'Another request has just refreshed this token. Use the refresh token that request received, or sign in again.',
  },
  AUTH_STORE_UNAVAILABLE: {
    statusCode: 503,
    message: 'The token store is unavailable. Retry after the number of seconds in Retry-After.',
  },
  AUTH_NOT_READY: {
    statusCode: 503,
    message:
      'The auth service cannot reach Redis, which it needs for logins. Retry after the number of seconds in Retry-After.',
  },
} as const satisfies ErrorCatalog;

export type AuthErrorCode = keyof typeof authErrors;

export const createAuthError = buildErrorFactory(authErrors);

/**
 * Challenge sent with LOGIN_FAILED. RFC 9110 section 11.6.1 requires a challenge on every 401, but no
 * registered scheme describes "post a JSON form": `Bearer` would tell the client to send a token it does not
 * have yet, and `Basic` would make browsers open a password dialog. `Form` is an unregistered scheme that
 * browsers ignore, and its realm names the lab.
 */
export const LOGIN_CHALLENGE = 'Form realm="authlab"';
