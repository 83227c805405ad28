import { type LoginThrottle, LoginThrottleUnavailableError } from '@authlab/login-throttle';
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
  /** Failed-login counters in Redis, shared with the auth service's login form. */
  loginThrottle: LoginThrottle;
}

/**
 * Registers the `basic` strategy: `GET /basic/me` checks `Authorization: Basic` on every request against
 * the same scrypt hashes as the login routes. Nothing is cached, so every request costs one full password
 * check on whichever replica serves it.
 *
 * Every well-formed attempt also passes the login throttle first, with the counters of the auth service's
 * login form: after too many failures an account or address gets 429, the correct password included.
 */
export async function basicRoutes(app: FastifyInstance, options: BasicRoutesOptions) {
  const { config, users, loginThrottle } = options;
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

      // request.ip is the socket address, or the X-Forwarded-For entry of a proxy in API_TRUST_PROXY.
      const decision = await callThrottle(request, () => loginThrottle.begin(header.username, request.ip));
      if (!decision.allowed) {
        request.log.info(
          {
            strategy,
            scope: decision.scope,
            usernameHash: hashUsername(header.username),
            retryAfterSeconds: decision.retryAfterSeconds,
          },
          'login throttled',
        );
        throw createError('LOGIN_THROTTLED', {
          headers: { 'retry-after': String(decision.retryAfterSeconds) },
        });
      }

      const check = await users.checkCredentials(header.username, header.password);
      if (!check.ok) {
        request.log.info(
          { strategy, reason: check.reason, usernameHash: hashUsername(header.username) },
          'basic credentials rejected',
        );
        throw invalidCredentials();
      }

      await callThrottle(request, () => loginThrottle.succeed(decision.attempt));
      request.log.debug({ strategy, sub: check.username }, 'basic credentials accepted');
      return reply.send({ strategy, sub: check.username, servedBy: config.replicaId });
    },
  );

  /**
   * Runs one throttle operation and turns a Redis failure into 503 with Retry-After. The throttle is never
   * skipped, because a Basic endpoint without it would let guesses through while Redis is down.
   */
  async function callThrottle<T>(request: FastifyRequest, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof LoginThrottleUnavailableError)) {
        throw error;
      }
      request.log.warn({ strategy, reason: error.message }, 'login throttle unavailable');
      throw createError('LOGIN_THROTTLE_UNAVAILABLE', {
        headers: { 'retry-after': String(config.retryAfterSeconds) },
      });
    }
  }
}
