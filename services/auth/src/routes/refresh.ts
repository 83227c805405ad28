import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig } from '../config.js';
import { createAuthError, LOGIN_CHALLENGE } from '../errors.js';
import { callStore } from '../plugins/token-stores.js';
import { clearTokenCookies } from '../token-cookies.js';
import {
  defaultToEmptyBody,
  readRefreshToken,
  refreshBodySchema,
  sendTokens,
  tokenResponseSchema,
} from '../token-response.js';

async function preventCaching(_request: FastifyRequest, reply: FastifyReply) {
  reply.header('cache-control', 'no-store');
}

/**
 * Registers `POST /auth/refresh`: spends a refresh token and returns a new access token and the next
 * refresh token of the same family, in the transport the old token came in.
 *
 * Concurrent refreshes with one token (two browser tabs) have one winner: the Redis script spends the
 * token atomically. A loser within AUTH_REFRESH_REUSE_GRACE_SECONDS gets 409 and the family lives on,
 * so the tab that lost keeps working with the cookie the winner received. A spent token presented later
 * is treated as stolen: the whole family is revoked and the response is 401.
 */
export async function refreshRoutes(app: FastifyInstance, options: { config: AuthConfig }) {
  const { config } = options;

  app.post(
    '/auth/refresh',
    {
      schema: { body: refreshBodySchema, response: tokenResponseSchema },
      onRequest: preventCaching,
      preValidation: defaultToEmptyBody,
    },
    async function handleRefresh(request: FastifyRequest, reply: FastifyReply) {
      const presented = readRefreshToken(request);
      if (!presented) {
        throw createAuthError('REFRESH_TOKEN_MISSING', { headers: { 'www-authenticate': LOGIN_CHALLENGE } });
      }

      const result = await callStore(request, config, () => app.refreshTokens.rotate(presented.token));

      if (result.outcome === 'conflict') {
        request.log.info({ sub: result.sub, family: result.family }, 'refresh conflict');
        throw createAuthError('REFRESH_TOKEN_CONFLICT');
      }
      if (result.outcome !== 'rotated') {
        if (result.outcome === 'reused') {
          request.log.warn(
            { sub: result.sub, family: result.family },
            'refresh token reused, family revoked',
          );
        } else {
          request.log.info({ transport: presented.transport }, 'refresh token rejected');
        }
        if (presented.transport === 'cookie') {
          clearTokenCookies(reply, request, config);
        }
        throw createAuthError('REFRESH_TOKEN_INVALID', { headers: { 'www-authenticate': LOGIN_CHALLENGE } });
      }

      const { token, jti } = app.issueAccessToken(result.sub);
      request.log.info({ sub: result.sub, jti, family: result.refreshToken.family }, 'token refreshed');

      return sendTokens(request, reply, config, {
        accessToken: token,
        refreshToken: result.refreshToken,
        transport: presented.transport,
      });
    },
  );
}
