import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseBasicCredentials } from '../basic-credentials.js';
import type { ApiConfig } from '../config.js';
import { challenges, createError } from '../errors.js';
import { strategyResponseSchema } from './schemas.js';
import { hashUsername } from './session.js';

export interface BasicRoutesOptions {
  config: ApiConfig;
  users: UserDirectory;
}

/**
 * Registers the `basic` strategy: `GET /basic/me` checks `Authorization: Basic` on every request against
 * the same scrypt hashes as the login routes. Nothing is cached, so every request costs one full password
 * check on whichever replica serves it.
 *
 * TODO: wrong Basic passwords are not counted by a login throttle yet, so only the scrypt cost slows down
 * guessing. The throttle of the login form should count them under the same key.
 */
export async function basicRoutes(app: FastifyInstance, options: BasicRoutesOptions) {
  const { config, users } = options;
  const strategy = 'basic';
  const invalidCredentials = () =>
    createError('BASIC_CREDENTIALS_INVALID', { headers: { 'www-authenticate': challenges.basic } });

  app.get(
    '/basic/me',
    { schema: { response: { 200: strategyResponseSchema } } },
    async function readBasicIdentity(request: FastifyRequest, reply: FastifyReply) {
      const header = parseBasicCredentials(request.headers.authorization);

      if (header.kind === 'missing') {
        throw createError('BASIC_CREDENTIALS_MISSING', { headers: { 'www-authenticate': challenges.basic } });
      }
      if (header.kind === 'malformed') {
        request.log.info({ strategy, reason: header.reason }, 'basic credentials rejected');
        throw invalidCredentials();
      }

      const check = await users.checkCredentials(header.username, header.password);
      if (!check.ok) {
        request.log.info(
          { strategy, reason: check.reason, usernameHash: hashUsername(header.username) },
          'basic credentials rejected',
        );
        throw invalidCredentials();
      }

      request.log.debug({ strategy, sub: check.username }, 'basic credentials accepted');
      return reply.send({ strategy, sub: check.username, servedBy: config.replicaId });
    },
  );
}
