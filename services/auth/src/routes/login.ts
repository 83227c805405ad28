import { createHash } from 'node:crypto';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig } from '../config.js';
import { createAuthError, LOGIN_CHALLENGE } from '../errors.js';

interface LoginBody {
  username: string;
  password: string;
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

const loginResponseSchema = {
  200: {
    type: 'object',
    required: ['access_token', 'token_type', 'expires_in'],
    properties: {
      access_token: { type: 'string' },
      token_type: { type: 'string', const: 'Bearer' },
      expires_in: { type: 'integer' },
    },
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
 * Registers `POST /auth/login`, which checks a username and password and returns a signed access token.
 * Every failure is the same 401 LOGIN_FAILED for the client, and the log records the reason.
 */
export async function loginRoutes(
  app: FastifyInstance,
  options: { config: AuthConfig; userDirectory: UserDirectory },
) {
  const { config, userDirectory } = options;

  app.post<{ Body: LoginBody }>(
    '/auth/login',
    {
      schema: { body: loginBodySchema, response: loginResponseSchema },
      onRequest: preventCaching,
    },
    async function handleLogin(request, reply) {
      const { username, password } = request.body;

      const check = await userDirectory.checkCredentials(username, password);
      if (!check.ok) {
        request.log.info({ reason: check.reason, usernameHash: hashUsername(username) }, 'login failed');
        throw createAuthError('LOGIN_FAILED', { headers: { 'www-authenticate': LOGIN_CHALLENGE } });
      }

      const { token, jti } = app.issueAccessToken(check.username);
      request.log.info({ sub: check.username, jti }, 'token issued');

      reply.header('cache-control', 'no-store');
      return { access_token: token, token_type: 'Bearer', expires_in: config.accessTokenTtlSeconds };
    },
  );
}
