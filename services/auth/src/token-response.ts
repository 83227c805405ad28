import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig } from './config.js';
import type { IssuedRefreshToken } from './refresh-token-store.js';
import { REFRESH_TOKEN_COOKIE, setTokenCookies, type TokenTransport } from './token-cookies.js';

/**
 * Body of a successful login or refresh. In the `body` transport it contains both tokens. In the
 * `cookie` transport the tokens travel only in HttpOnly cookies, so the body names the transport instead.
 */
export const tokenResponseSchema = {
  200: {
    type: 'object',
    required: ['token_type', 'expires_in', 'refresh_expires_in'],
    additionalProperties: false,
    properties: {
      access_token: { type: 'string' },
      token_type: { type: 'string', const: 'Bearer' },
      expires_in: { type: 'integer' },
      refresh_token: { type: 'string' },
      refresh_expires_in: { type: 'integer' },
      transport: { type: 'string', const: 'cookie' },
    },
  },
} as const;

/** Sends a new token pair in the requested transport, never cached by any cache on the way. */
export function sendTokens(
  request: FastifyRequest,
  reply: FastifyReply,
  config: AuthConfig,
  tokens: { accessToken: string; refreshToken: IssuedRefreshToken; transport: TokenTransport },
) {
  reply.header('cache-control', 'no-store');
  const common = {
    token_type: 'Bearer' as const,
    expires_in: config.accessTokenTtlSeconds,
    refresh_expires_in: tokens.refreshToken.expiresInSeconds,
  };

  if (tokens.transport === 'cookie') {
    setTokenCookies(reply, request, config, {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken.token,
      refreshExpiresInSeconds: tokens.refreshToken.expiresInSeconds,
    });
    return reply.send({ ...common, transport: 'cookie' as const });
  }

  return reply.send({
    ...common,
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken.token,
  });
}

/**
 * Reads the refresh token: the `refresh_token` cookie first, then `refresh_token` in the JSON body. The
 * transport of the answer follows where the token came from.
 */
export function readRefreshToken(
  request: FastifyRequest,
): { token: string; transport: TokenTransport } | undefined {
  const cookie = request.cookies[REFRESH_TOKEN_COOKIE];
  if (typeof cookie === 'string' && cookie !== '') {
    return { token: cookie, transport: 'cookie' };
  }

  const body = request.body as { refresh_token?: unknown } | undefined;
  if (typeof body?.refresh_token === 'string' && body.refresh_token !== '') {
    return { token: body.refresh_token, transport: 'body' };
  }
  return undefined;
}

/**
 * Schema of the optional JSON body of refresh and logout. The length limit is loose on purpose: an access
 * token sent by mistake gets 401 REFRESH_TOKEN_INVALID, not a schema error.
 */
export const refreshBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    refresh_token: { type: 'string', minLength: 1, maxLength: 4096 },
  },
} as const;

/**
 * Replaces a missing body with `{}` before validation. Refresh and logout accept a bare POST that
 * carries its tokens in cookies, and fastify would otherwise validate `undefined` against the object schema.
 */
export async function defaultToEmptyBody(request: FastifyRequest) {
  if (request.body === undefined || request.body === null) {
    request.body = {};
  }
}
