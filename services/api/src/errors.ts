import { buildErrorFactory, commonErrors, type ErrorCatalog } from '@authlab/http-errors';

/**
 * Errors the replica's routes raise on purpose. docs/errors.md lists the same codes, and a test fails
 * when the two disagree.
 */
export const apiErrors = {
  AUTH_TOKEN_MISSING: {
    statusCode: 401,
    message:
      'The request carries no access token. Sign in and send the token as Authorization: Bearer <token>.',
  },
  AUTH_HEADER_MALFORMED: {
    statusCode: 400,
    message:
      'The Authorization header is malformed. Send exactly one token as Authorization: Bearer <token>.',
  },
  AUTH_TOKEN_INVALID: {
    statusCode: 401,
    message: 'The access token is invalid or expired. Sign in again to get a new one.',
  },
  AUTH_TOKEN_IN_QUERY: {
    statusCode: 400,
    message:
      'Access tokens in the URL are rejected because URLs are written to access logs. Send the token as Authorization: Bearer <token> or in the access_token cookie, and sign in again: treat this token as leaked.',
  },
  REVOCATION_CHECK_UNAVAILABLE: {
    statusCode: 503,
    message:
      'The replica cannot check whether the access token was revoked. Retry after the number of seconds in Retry-After.',
  },
  LOGIN_FAILED: {
    statusCode: 401,
    message: 'The username or password is incorrect. Check them and sign in again.',
  },
  SESSION_REQUIRED: {
    statusCode: 401,
    message: 'The request has no valid session, or the session has expired. Sign in again.',
  },
  SESSION_COOKIE_TOO_LARGE: {
    statusCode: 413,
    message:
      'The session data would make the session cookie longer than 4096 bytes, which browsers drop. Store less data in the session.',
  },
  BASIC_CREDENTIALS_MISSING: {
    statusCode: 401,
    message:
      'The request carries no Basic credentials. Send Authorization: Basic with the base64 of username:password.',
  },
  BASIC_CREDENTIALS_INVALID: {
    statusCode: 401,
    message:
      'The Basic credentials are malformed, or the username or password is incorrect. Check them and send them again.',
  },
  LOGIN_THROTTLED: {
    statusCode: 429,
    message:
      'Too many failed logins for this account or from this address. Retry after the number of seconds in Retry-After.',
  },
  LOGIN_THROTTLE_UNAVAILABLE: {
    statusCode: 503,
    message:
      'The login throttle cannot reach its store, so no password is checked. Retry after the number of seconds in Retry-After.',
  },
  SESSION_STORE_UNAVAILABLE: {
    statusCode: 503,
    message: 'The session store is unavailable. Retry after the number of seconds in Retry-After.',
  },
  REPLICA_NOT_READY: {
    statusCode: 503,
    message:
      'The replica cannot reach a dependency it needs. Retry after the number of seconds in Retry-After.',
  },
} as const satisfies ErrorCatalog;

/** Every code a replica can send: the shared ones and its own. */
export const errorCatalog = { ...commonErrors, ...apiErrors } as const satisfies ErrorCatalog;

export const createError = buildErrorFactory(apiErrors);

/** `WWW-Authenticate` challenges (RFC 6750 section 3 for Bearer). */
export const challenges = Object.freeze({
  bearer: 'Bearer realm="authlab"',
  bearerInvalidRequest: 'Bearer realm="authlab", error="invalid_request"',
  bearerInvalidToken: 'Bearer realm="authlab", error="invalid_token"',
  // RFC 9110 section 11.6.1 requires a challenge on every 401, but no registered scheme describes a
  // session cookie or a JSON login form. `Cookie` and `Form` are unregistered schemes that browsers ignore,
  // so no password dialog opens; `Form` is the one the auth service sends for LOGIN_FAILED too.
  cookie: 'Cookie realm="authlab"',
  // RFC 7617 section 2.1: the charset parameter asks the client to encode username:password as UTF-8.
  basic: 'Basic realm="authlab", charset="UTF-8"',
  form: 'Form realm="authlab"',
});
