import { createHash } from 'node:crypto';
import type { LoginThrottle } from '@authlab/login-throttle';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config.js';
import { challenges, createError } from '../errors.js';
import {
  beginThrottledLogin,
  finishThrottledLogin,
  type ThrottleGuardOptions,
} from '../login-throttle-guard.js';
import { loginBodySchema, strategyResponseSchema } from './schemas.js';

declare module 'fastify' {
  interface Session {
    /** The signed-in user. */
    sub?: string;
    /** When the session was created, in milliseconds since the epoch. */
    createdAt?: number;
  }
}

export type SessionStrategy = 'session-memory' | 'session-redis';

export interface SessionRoutesOptions {
  strategy: SessionStrategy;
  cookieName: string;
  config: ApiConfig;
  users: UserDirectory;
  /** Login throttle shared with the auth service; every login attempt passes it first. */
  loginThrottle: LoginThrottle;
}

interface LoginBody {
  username: string;
  password: string;
}

/**
 * Adds `POST /<strategy>/login`, `GET /<strategy>/me` and `POST /<strategy>/logout` to a scope where
 * @fastify/session is registered with the strategy's store and cookie.
 */
export function addSessionRoutes(scope: FastifyInstance, options: SessionRoutesOptions): void {
  const { strategy, cookieName, config, users, loginThrottle } = options;
  // session-memory needs no Redis for anything else, so a Redis outage skips its throttle (logged and
  // marked on the response) instead of stopping its logins. session-redis cannot work without Redis anyway.
  const throttleOptions: ThrottleGuardOptions = {
    throttle: loginThrottle,
    config,
    strategy,
    onUnavailable: strategy === 'session-memory' ? 'skip' : 'reject',
    unavailableCode: 'SESSION_STORE_UNAVAILABLE',
  };
  const sessionRequired = () =>
    createError('SESSION_REQUIRED', { headers: { 'www-authenticate': challenges.cookie } });

  scope.post<{ Body: LoginBody }>(
    `/${strategy}/login`,
    { schema: { body: loginBodySchema, response: { 200: strategyResponseSchema } } },
    async function createSession(request, reply) {
      const { username, password } = request.body;

      const check = await checkThrottledLogin(request, reply, throttleOptions, users, username, password);

      // A new id at every login defeats session fixation. In @fastify/session 11.1.3, regenerate() deletes
      // the previous id from the store before it saves the new one. session.test.ts checks the old key.
      await request.session.regenerate();
      // regenerate() replaces request.session, so it is read again from here on.
      request.session.set('sub', check.username);
      request.session.set('createdAt', Date.now());
      await request.session.save();

      // The previous cookie names a deleted session. Forgetting it stops @fastify/session from sending
      // a clearing Set-Cookie next to the new one, so the response carries exactly one session cookie.
      delete request.cookies[cookieName];

      request.log.info({ strategy, sub: check.username }, 'session created');
      return reply.send({ strategy, sub: check.username, servedBy: config.replicaId });
    },
  );

  scope.get(
    `/${strategy}/me`,
    { schema: { response: { 200: strategyResponseSchema } } },
    async function readSession(request: FastifyRequest, reply: FastifyReply) {
      // An expired session arrives here already replaced by an empty one: the Redis key expires with the
      // cookie, and @fastify/session compares the stored cookie expiry when it loads a session.
      const sub = request.session.get('sub');
      if (typeof sub !== 'string') {
        // A replica cannot tell a session it never had from one that ended: with the memory store the
        // session may live on another replica. Forgetting the cookie here stops @fastify/session from
        // sending a clearing Set-Cookie, so one unlucky request does not sign the client out everywhere.
        delete request.cookies[cookieName];
        throw sessionRequired();
      }

      return reply.send({ strategy, sub, servedBy: config.replicaId });
    },
  );

  scope.post(
    `/${strategy}/logout`,
    async function destroySession(request: FastifyRequest, reply: FastifyReply) {
      const sub = request.session.get('sub');

      // Without a session there is nothing to delete, and the store is not touched. An unknown or
      // badly signed cookie is cleared by @fastify/session itself.
      if (typeof sub === 'string') {
        await request.session.destroy();
        reply.clearCookie(cookieName, {
          path: '/',
          httpOnly: true,
          sameSite: 'lax',
          secure: isCookieSecure(config.cookieSecure, request.protocol),
        });
        request.log.info({ strategy, sub }, 'session destroyed');
      }

      return reply.code(204).send();
    },
  );
}

/**
 * Checks a session login's password behind the login throttle: raises 429 LOGIN_THROTTLED over the limit
 * and 401 LOGIN_FAILED for a wrong user or password (logged with a hash of the username), records a
 * success with the throttle, and returns the checked username.
 */
export async function checkThrottledLogin(
  request: FastifyRequest,
  reply: FastifyReply,
  throttleOptions: ThrottleGuardOptions,
  users: UserDirectory,
  username: string,
  password: string,
): Promise<{ username: string }> {
  const attempt = await beginThrottledLogin(request, reply, {
    ...throttleOptions,
    username,
    usernameHash: hashUsername(username),
  });
  const check = await users.checkCredentials(username, password);
  if (!check.ok) {
    request.log.info(
      { strategy: throttleOptions.strategy, reason: check.reason, usernameHash: hashUsername(username) },
      'login failed',
    );
    throw createError('LOGIN_FAILED', { headers: { 'www-authenticate': challenges.form } });
  }

  await finishThrottledLogin(request, reply, throttleOptions, attempt);
  return { username: check.username };
}

/**
 * Returns the first 16 hex characters of a username's SHA-256 for the log. People sometimes type their
 * password into the username field, so a failed login never logs the raw value.
 */
export function hashUsername(username: string): string {
  return createHash('sha256').update(username, 'utf8').digest('hex').slice(0, 16);
}

/** Resolves API_COOKIE_SECURE for one request; `auto` follows the protocol a trusted proxy reported. */
function isCookieSecure(mode: ApiConfig['cookieSecure'], protocol: string): boolean {
  if (mode === 'always') {
    return true;
  }
  if (mode === 'never') {
    return false;
  }
  return protocol === 'https';
}
