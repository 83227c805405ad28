/** Result of reading an `Authorization` header as HTTP Basic credentials (RFC 7617). */
export type BasicCredentialsResult =
  | { kind: 'missing' }
  | { kind: 'malformed'; reason: string }
  | { kind: 'credentials'; username: string; password: string };

/**
 * Maximum length of an `Authorization: Basic` header this replica decodes, in characters. The longest valid
 * credentials are a 64-character username (up to 256 UTF-8 bytes) and a 1024-byte password: about 1,720
 * characters after base64 and the scheme.
 */
export const MAX_BASIC_HEADER_LENGTH = 2048;

/** Maximum username length of every login of the lab, as in the login body schema. */
const MAX_USERNAME_LENGTH = 64;

// Padded base64 of RFC 4648 section 4, which RFC 7617 section 2 prescribes for user-pass.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads Basic credentials from an `Authorization` header value. The scheme matches case-insensitively
 * (RFC 9110 section 11.1), one or more spaces follow, then the base64 of `username:password` in UTF-8.
 *
 * A header with another scheme (for example Bearer) counts as missing. Anything else that does not decode
 * to a non-empty username, a colon and a non-empty password is malformed; the reason goes to the log only.
 */
export function parseBasicCredentials(header: string | undefined): BasicCredentialsResult {
  if (header === undefined || header === '') {
    return { kind: 'missing' };
  }

  const match = /^([^ ]+)( +)(.*)$/s.exec(header);
  const scheme = match ? match[1] : header;
  if (scheme?.toLowerCase() !== 'basic') {
    return { kind: 'missing' };
  }

  if (header.length > MAX_BASIC_HEADER_LENGTH) {
    return { kind: 'malformed', reason: 'header too long' };
  }

  const encoded = match?.[3] ?? '';
  if (encoded === '') {
    return { kind: 'malformed', reason: 'no credentials after the Basic scheme' };
  }
  if (!BASE64.test(encoded)) {
    return { kind: 'malformed', reason: 'credentials are not padded base64' };
  }

  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return { kind: 'malformed', reason: 'credentials are not valid UTF-8' };
  }

  const colon = decoded.indexOf(':');
  if (colon === -1) {
    return { kind: 'malformed', reason: 'no colon between username and password' };
  }

  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username === '' || password === '') {
    return { kind: 'malformed', reason: 'empty username or password' };
  }
  if (username.length > MAX_USERNAME_LENGTH) {
    return { kind: 'malformed', reason: 'username too long' };
  }
  // RFC 7617 section 2: neither the user-id nor the password may contain control characters.
  if (containsControlCharacter(username) || containsControlCharacter(password)) {
    return { kind: 'malformed', reason: 'control character in username or password' };
  }

  return { kind: 'credentials', username, password };
}

/** Checks for a C0 control character or DEL. */
function containsControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) {
      return true;
    }
  }
  return false;
}
