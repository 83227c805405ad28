import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig } from './config.js';

/** Cookie that carries the access token to the replicas, which read it before the Authorization header. */
export const ACCESS_TOKEN_COOKIE = 'access_token';

/** Cookie that carries the refresh token. Only `/auth/` paths receive it, so no replica ever receives it. */
export const REFRESH_TOKEN_COOKIE = 'refresh_token';

/** Path of the refresh token cookie: the auth service's prefix behind the balancer. */
export const REFRESH_TOKEN_COOKIE_PATH = '/auth/';

/** Token transport the client requested: the JSON body (the default) or HttpOnly cookies. */
export type TokenTransport = 'body' | 'cookie';

/** Resolves AUTH_COOKIE_SECURE for one request. `auto` follows the protocol a trusted proxy reported. */
function isCookieSecure(config: AuthConfig, request: FastifyRequest): boolean {
  if (config.cookieSecure === 'always') {
    return true;
  }
  if (config.cookieSecure === 'never') {
    return false;
  }
  return request.protocol === 'https';
}

/**
 * Sets both token cookies. Both are HttpOnly, so page scripts cannot read them. The access token cookie
 * is `SameSite=Lax` on `/`, because every replica path reads it. The refresh token cookie is
 * `SameSite=Strict` on `/auth/`, because only the auth service reads it and no cross-site request needs it.
 */
export function setTokenCookies(
  reply: FastifyReply,
  request: FastifyRequest,
  config: AuthConfig,
  tokens: { accessToken: string; refreshToken: string; refreshExpiresInSeconds: number },
): void {
  const secure = isCookieSecure(config, request);
  reply.setCookie(ACCESS_TOKEN_COOKIE, tokens.accessToken, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge: config.accessTokenTtlSeconds,
  });
  reply.setCookie(REFRESH_TOKEN_COOKIE, tokens.refreshToken, {
    path: REFRESH_TOKEN_COOKIE_PATH,
    httpOnly: true,
    sameSite: 'strict',
    secure,
    maxAge: tokens.refreshExpiresInSeconds,
  });
}

/** Clears both token cookies with the attributes they were set with, so the browser matches and drops them. */
export function clearTokenCookies(reply: FastifyReply, request: FastifyRequest, config: AuthConfig): void {
  const secure = isCookieSecure(config, request);
  reply.clearCookie(ACCESS_TOKEN_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
  reply.clearCookie(REFRESH_TOKEN_COOKIE, {
    path: REFRESH_TOKEN_COOKIE_PATH,
    httpOnly: true,
    sameSite: 'strict',
    secure,
  });
}
