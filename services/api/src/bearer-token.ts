/** Result of reading an `Authorization` header as a bearer credential. */
export type BearerTokenResult =
  | { kind: 'missing' }
  | { kind: 'malformed'; reason: string }
  | { kind: 'token'; token: string };

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads a bearer token from an `Authorization` header value, strictly: the scheme matches
 * case-insensitively, then exactly one space and one b64token must follow.
 *
 * A header with another scheme (for example Basic) counts as missing, because it is not a bearer
 * credential at all. "Bearer" with no token, two spaces, more than one token or a character outside
 * b64token is malformed, and RFC 6750 section 3.1 prescribes 400 invalid_request for it.
 */
export function parseBearerToken(header: string | undefined): BearerTokenResult {
  if (header === undefined || header === '') {
    return { kind: 'missing' };
  }

  const schemeEnd = header.indexOf(' ');
  const scheme = schemeEnd === -1 ? header : header.slice(0, schemeEnd);
  if (scheme.toLowerCase() !== 'bearer') {
    return { kind: 'missing' };
  }

  if (schemeEnd === -1) {
    return { kind: 'malformed', reason: 'no token after the Bearer scheme' };
  }

  const credentials = header.slice(schemeEnd + 1);
  if (credentials === '') {
    return { kind: 'malformed', reason: 'no token after the Bearer scheme' };
  }
  if (!B64TOKEN.test(credentials)) {
    return { kind: 'malformed', reason: 'token is not a single b64token' };
  }

  return { kind: 'token', token: credentials };
}
