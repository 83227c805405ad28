import { buildErrorFactory, commonErrors, type ErrorCatalog } from '@authlab/http-errors';

/** Every error code the auth service sends, with its status and message. docs/errors.md lists the same codes. */
export const authErrors = {
  ...commonErrors,
  LOGIN_FAILED: {
    statusCode: 401,
    message: 'The username or password is incorrect. Check them and sign in again.',
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
