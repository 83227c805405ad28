import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig } from '../config.js';
import { callStore } from '../plugins/token-stores.js';
import { ACCESS_TOKEN_COOKIE, clearTokenCookies } from '../token-cookies.js';
import { defaultToEmptyBody, readRefreshToken, refreshBodySchema } from '../token-response.js';

/** Reads the access token: the `access_token` cookie first, then `Authorization: Bearer`. */
function readAccessToken(request: FastifyRequest): string | undefined {
  const cookie = request.cookies[ACCESS_TOKEN_COOKIE];
  if (typeof cookie === 'string' && cookie !== '') {
    return cookie;
  }

  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/**
 * Registers `POST /auth/logout`. It revokes the refresh token's whole family at once, and puts the
 * access token's `jti` on the denylist until the token's `exp`, so replicas that check the denylist
 * reject it from the next request on. Both tokens are optional, and the response is 204 whether or not
 * they were valid, so logout can always be repeated. It is 503 when Redis cannot record the revocation,
 * because a 204 would claim a logout that did not happen.
 */
export async function logoutRoutes(app: FastifyInstance, options: { config: AuthConfig }) {
  const { config } = options;

  app.post(
    '/auth/logout',
    { schema: { body: refreshBodySchema }, preValidation: defaultToEmptyBody },
    async function handleLogout(request: FastifyRequest, reply: FastifyReply) {
      reply.header('cache-control', 'no-store');

      const refreshToken = readRefreshToken(request);
      if (refreshToken) {
        const revoked = await callStore(request, config, () =>
          app.refreshTokens.revokeFamily(refreshToken.token),
        );
        if (revoked) {
          request.log.info({ sub: revoked.sub, family: revoked.family }, 'refresh family revoked');
        }
      }

      const accessToken = readAccessToken(request);
      if (accessToken) {
        await revokeAccessToken(app, request, config, accessToken);
      }

      clearTokenCookies(reply, request, config);
      return reply.code(204).send();
    },
  );
}

async function revokeAccessToken(
  app: FastifyInstance,
  request: FastifyRequest,
  config: AuthConfig,
  token: string,
): Promise<void> {
  let claims: { sub?: unknown; jti?: unknown; exp?: unknown };
  try {
    claims = await app.verifyIssuedAccessToken(token);
  } catch (error) {
    // An invalid or expired token needs no revocation: no replica accepts it.
    request.log.info(
      { reason: (error as { code?: string }).code ?? 'VERIFY_FAILED' },
      'logout token ignored',
    );
    return;
  }

  const { sub, jti, exp } = claims;
  if (typeof jti !== 'string' || typeof exp !== 'number') {
    request.log.info({ reason: 'CLAIM_TYPE_INVALID' }, 'logout token ignored');
    return;
  }

  const ttlMs = await callStore(request, config, () =>
    app.accessTokenDenylist.revoke({ issuer: config.jwtIssuer, jti, expiresAtSeconds: exp }),
  );
  request.log.info({ sub, jti, ttlMs }, 'access token revoked');
}
