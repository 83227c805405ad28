import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import {
  addCookieSessionRoutes,
  COOKIE_SESSION_COOKIE_NAME,
  type CookieSessionRoutesOptions,
  encodeCookieSessionValue,
} from '../routes/cookie-session.js';

/** The options of @fastify/secure-session 8.4.0 this strategy passes. */
interface SecureSessionOptions {
  sessionName: string;
  cookieName: string;
  key: Buffer[];
  expiry: number;
  cookie: {
    httpOnly: boolean;
    sameSite: 'lax';
    path: string;
    secure: boolean | 'auto';
    encode: (value: string) => string;
  };
}

// The type declarations of @fastify/secure-session 8.4.0 give FastifyRequest a `session` property of their
// own type, which conflicts with the one of @fastify/session. Loading the plugin through require keeps those
// declarations out of the build; the routes declare `request.cookieSession` themselves.
const require = createRequire(import.meta.url);
const fastifySecureSession =
  require('@fastify/secure-session') as FastifyPluginCallback<SecureSessionOptions>;

const COOKIE_SECURE_OPTION = Object.freeze({ auto: 'auto', always: true, never: false } as const);

/**
 * Registers the `cookie-session` strategy in its own encapsulated scope: @fastify/secure-session encrypts
 * the whole session into the `sid_cookie` cookie with libsodium's secretbox (XSalsa20-Poly1305), so no
 * replica stores anything and every replica with the same key list can read it.
 * Register it without fastify-plugin; @fastify/cookie must already be registered on a parent.
 */
export async function cookieSessionStrategyPlugin(
  scope: FastifyInstance,
  options: CookieSessionRoutesOptions,
) {
  const { config } = options;

  await scope.register(fastifySecureSession, {
    sessionName: 'cookieSession',
    cookieName: COOKIE_SESSION_COOKIE_NAME,
    key: [...config.cookieSessionKeys],
    // The plugin's own expiry counts from the last change; the routes also check the login time.
    expiry: config.cookieSessionTtlSeconds,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: COOKIE_SECURE_OPTION[config.cookieSecure],
      encode: encodeCookieSessionValue,
    },
  });

  addCookieSessionRoutes(scope, options);
}
