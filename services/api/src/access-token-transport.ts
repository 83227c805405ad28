import type { FastifyRequest } from 'fastify';
import { parseBearerToken } from './bearer-token.js';

/** Cookie the auth service sets with `?transport=cookie`; the same name as its `access_token` JSON field. */
export const ACCESS_TOKEN_COOKIE = 'access_token';

/** Query parameter of RFC 6750 section 2.3, which the replicas reject. */
export const ACCESS_TOKEN_QUERY_PARAMETER = 'access_token';

/** Outcome of the access token lookup: the token and its source, or the reason none was usable. */
export type AccessTokenLookup =
  | { kind: 'missing' }
  | { kind: 'malformed'; reason: string }
  | { kind: 'in-query' }
  | { kind: 'token'; token: string; source: 'cookie' | 'header' };

// The characters of a compact JWS: three base64url segments and two dots.
const COMPACT_TOKEN = /^[A-Za-z0-9._-]+$/;

/**
 * Finds the access token of a request: the `access_token` cookie first, then `Authorization: Bearer`.
 *
 * The cookie comes first because a browser sends it on its own, while a header is set on purpose by a
 * script. A request that carries both is treated as the cookie's, so a page cannot make the replica act
 * for another user by adding a header. An Authorization header with another scheme (Basic for example)
 * is ignored when the cookie is present.
 *
 * A token in the query string is rejected, whatever else the request carries: URLs end up in access
 * logs, browser history and Referer headers, so such a token must be treated as leaked.
 */
export function findAccessToken(request: FastifyRequest): AccessTokenLookup {
  const query = request.query as Record<string, unknown> | undefined;
  if (query && Object.hasOwn(query, ACCESS_TOKEN_QUERY_PARAMETER)) {
    return { kind: 'in-query' };
  }

  const cookie = request.cookies?.[ACCESS_TOKEN_COOKIE];
  if (typeof cookie === 'string' && cookie !== '') {
    if (!COMPACT_TOKEN.test(cookie)) {
      return { kind: 'malformed', reason: 'access_token cookie is not a compact token' };
    }
    return { kind: 'token', token: cookie, source: 'cookie' };
  }

  const header = parseBearerToken(request.headers.authorization);
  if (header.kind === 'token') {
    return { kind: 'token', token: header.token, source: 'header' };
  }
  return header;
}
