import { createHash } from 'node:crypto';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig } from '../config.js';
import { createAuthError, LOGIN_CHALLENGE } from '../errors.js';
import { callStore } from '../plugins/token-stores.js';
import type { TokenTransport } from '../token-cookies.js';
import { sendTokens, tokenResponseSchema } from '../token-response.js';

interface LoginBody {
  username: string;
  password: string;
}

interface LoginQuery {
  transport?: TokenTransport;
}

const loginBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

/** `?transport=cookie` puts both tokens in HttpOnly cookies; the default `body` returns them as JSON. */
const loginQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    transport: { type: 'string', enum: ['body', 'cookie'] },
  },
} as const;

/** Number of hex characters of the username's SHA-256 that a failed login logs. */
const USERNAME_HASH_HEX_LENGTH = 16;

/**
 * Returns a short SHA-256 prefix of a username for the log. People sometimes type their password into the
 * username field, so a failed login never logs the raw value. The same name always gives the same prefix,
 * so repeated failures for one account can still be correlated.
 */
function hashUsername(username: string): string {
  return createHash('sha256').update(username, 'utf8').digest('hex').slice(0, USERNAME_HASH_HEX_LENGTH);
}

async function preventCaching(_request: FastifyRequest, reply: FastifyReply) {
  reply.header('cache-control', 'no-store');
}

/**
 * Registers `POST /auth/login`, which checks a username and password and returns an access token and a
 * refresh token that starts a new family. The login throttle runs before the password check, so a
 * throttled account gets 429 even with the correct password. Every wrong password is the same 401
 * LOGIN_FAILED for the client, and the log records the reason.
 */
export async function loginRoutes(
  app: FastifyInstance,
  options: { config: AuthConfig; userDirectory: UserDirectory },
) {
  const { config, userDirectory } = options;

  app.post<{ Body: LoginBody; Querystring: LoginQuery }>(
    '/auth/login',
    {
      schema: { body: loginBodySchema, querystring: loginQuerySchema, response: tokenResponseSchema },
      onRequest: preventCaching,
    },
    async function handleLogin(request, reply) {
      const { username, password } = request.body;

      // request.ip is the socket address, or the X-Forwarded-For entry added by a proxy in AUTH_TRUST_PROXY.
      const decision = await callStore(request, config, () => app.loginThrottle.begin(username, request.ip));
      if (!decision.allowed) {
        request.log.info(
          {
            scope: decision.scope,
            usernameHash: hashUsername(username),
            retryAfterSeconds: decision.retryAfterSeconds,
          },
          'login throttled',
        );
        throw createAuthError('LOGIN_THROTTLED', {
          headers: { 'retry-after': String(decision.retryAfterSeconds) },
        });
      }

      const check = await userDirectory.checkCredentials(username, password);
      if (!check.ok) {
        request.log.info({ reason: check.reason, usernameHash: hashUsername(username) }, 'login failed');
        throw createAuthError('LOGIN_FAILED', { headers: { 'www-authenticate': LOGIN_CHALLENGE } });
      }

      await callStore(request, config, () => app.loginThrottle.succeed(decision.attempt));
      const refreshToken = await callStore(request, config, () => app.refreshTokens.issue(check.username));
      const { token, jti } = app.issueAccessToken(check.username);
      request.log.info({ sub: check.username, jti, family: refreshToken.family }, 'token issued');

      return sendTokens(request, reply, config, {
        accessToken: token,
        refreshToken,
        transport: request.query.transport ?? 'body',
      });
    },
  );
}
