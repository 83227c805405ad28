import type { LoginThrottle } from '@authlab/login-throttle';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config.js';
import { challenges, createError } from '../errors.js';
import type { ThrottleGuardOptions } from '../login-throttle-guard.js';
import { loginBodySchema, strategyResponseSchema } from './schemas.js';
import { checkThrottledLogin } from './session.js';

/** A session of @fastify/secure-session 8.4.0, with the part of its interface these routes use. */
export interface CookieSession {
  /** True when the onSend hook will write the cookie: after `set`, `delete`, or a decryption with an older key. */
  changed: boolean;
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  /** Every stored field except the plugin's own `__ts`. */
  data(): Record<string, unknown>;
  /** Makes the onSend hook send an expired, empty cookie. */
  delete(): void;
  /** Cookie attributes for this response, merged over the plugin's own. */
  options(options: { maxAge?: number }): void;
  /** Removes every field, so no data of an earlier session survives a new login. */
  regenerate(): void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The decrypted `cookie-session` session; empty when the cookie is missing, undecryptable or expired. */
    cookieSession: CookieSession;
  }
}

export const COOKIE_SESSION_COOKIE_NAME = 'sid_cookie';

/**
 * Maximum bytes of the cookie's name, `=` and value together. RFC 6265bis section 5.6 lets browsers drop a
 * cookie whose name and value exceed 4096 bytes; counting the `=` too keeps one byte of margin.
 */
export const MAX_COOKIE_BYTES = 4096;

/** Maximum length of the note `PUT /cookie-session/data` stores, in characters, before the cookie check. */
export const MAX_NOTE_LENGTH = 8192;

// Sizes of libsodium's crypto_secretbox_easy, which @fastify/secure-session 8.4.0 uses: a 16-byte
// Poly1305 tag precedes the ciphertext, and each cookie carries its own 24-byte random nonce.
const SECRETBOX_MAC_BYTES = 16;
const SECRETBOX_NONCE_BYTES = 24;
/** The `;` between ciphertext and nonce, percent-encoded because a cookie value may not contain it. */
const ENCODED_SEPARATOR = '%3B';

export interface CookieSessionRoutesOptions {
  config: ApiConfig;
  users: UserDirectory;
  /** Login throttle shared with the auth service; every login attempt passes it first. */
  loginThrottle: LoginThrottle;
}

interface NoteBody {
  note: string;
}

const noteBodySchema = {
  type: 'object',
  required: ['note'],
  additionalProperties: false,
  properties: {
    note: { type: 'string', maxLength: MAX_NOTE_LENGTH },
  },
} as const;

const dataResponseSchema = {
  type: 'object',
  required: ['strategy', 'sub', 'servedBy', 'note', 'noteBytes', 'cookieBytes'],
  additionalProperties: false,
  properties: {
    strategy: { type: 'string' },
    sub: { type: 'string' },
    servedBy: { type: 'string' },
    note: { type: 'string' },
    noteBytes: { type: 'integer' },
    cookieBytes: { type: 'integer' },
  },
} as const;

type SessionCheck =
  | { ok: true; sub: string; remainingSeconds: number }
  | { ok: false; reason: 'no-cookie' | 'unreadable' | 'expired' };

/**
 * Adds `POST /cookie-session/login`, `GET /cookie-session/me`, `POST /cookie-session/logout` and
 * `GET|PUT /cookie-session/data` to a scope where @fastify/secure-session decorates `request.cookieSession`.
 */
export function addCookieSessionRoutes(scope: FastifyInstance, options: CookieSessionRoutesOptions): void {
  const { config, users, loginThrottle } = options;
  const strategy = 'cookie-session';
  // The session lives in the cookie and needs no Redis, so a Redis outage skips the throttle (logged and
  // marked on the response), as for session-memory, instead of stopping the logins.
  const throttleOptions: ThrottleGuardOptions = {
    throttle: loginThrottle,
    config,
    strategy,
    onUnavailable: 'skip',
  };
  const sessionRequired = () =>
    createError('SESSION_REQUIRED', { headers: { 'www-authenticate': challenges.cookie } });

  /** Checks the session and the absolute lifetime stored inside it. A failure is logged, and the client gets no detail. */
  function requireSession(request: FastifyRequest): { sub: string; remainingSeconds: number } {
    const check = checkSession(request, config.cookieSessionTtlSeconds);
    if (!check.ok) {
      // An expired session that an older key decrypted is marked as changed; without this the plugin
      // would re-encrypt it and send it back with the 401.
      request.cookieSession.changed = false;
      request.log.info({ strategy, reason: check.reason }, 'session rejected');
      throw sessionRequired();
    }
    return check;
  }

  scope.post<{ Body: { username: string; password: string } }>(
    `/${strategy}/login`,
    { schema: { body: loginBodySchema, response: { 200: strategyResponseSchema } } },
    async function createCookieSession(request, reply) {
      const { username, password } = request.body;

      const check = await checkThrottledLogin(request, reply, throttleOptions, users, username, password);

      // Whatever an earlier cookie carried is dropped: a login starts a new session.
      const session = request.cookieSession;
      session.regenerate();
      session.set('sub', check.username);
      session.set('createdAt', nowSeconds());
      session.options({ maxAge: config.cookieSessionTtlSeconds });

      request.log.info({ strategy, sub: check.username }, 'session created');
      return reply.send({ strategy, sub: check.username, servedBy: config.replicaId });
    },
  );

  scope.get(
    `/${strategy}/me`,
    { schema: { response: { 200: strategyResponseSchema } } },
    async function readCookieSession(request: FastifyRequest, reply: FastifyReply) {
      const { sub, remainingSeconds } = requireSession(request);

      // A cookie that only an older key of the list decrypts comes back marked as changed, and the plugin
      // re-encrypts it with the first key. Its lifetime stays the one from login.
      if (request.cookieSession.changed) {
        request.cookieSession.options({ maxAge: remainingSeconds });
        request.log.info({ strategy, sub }, 'session re-encrypted with the current key');
      }

      return reply.send({ strategy, sub, servedBy: config.replicaId });
    },
  );

  scope.get(
    `/${strategy}/data`,
    { schema: { response: { 200: dataResponseSchema } } },
    async function readCookieSessionData(request: FastifyRequest, reply: FastifyReply) {
      const { sub, remainingSeconds } = requireSession(request);
      const session = request.cookieSession;
      if (session.changed) {
        session.options({ maxAge: remainingSeconds });
      }

      const note = typeof session.get('note') === 'string' ? (session.get('note') as string) : '';
      return reply.send({
        strategy,
        sub,
        servedBy: config.replicaId,
        note,
        noteBytes: Buffer.byteLength(note, 'utf8'),
        cookieBytes: measureCookieBytes(session.data()),
      });
    },
  );

  scope.put<{ Body: NoteBody }>(
    `/${strategy}/data`,
    { schema: { body: noteBodySchema, response: { 200: dataResponseSchema } } },
    async function storeCookieSessionNote(request, reply) {
      const { sub, remainingSeconds } = requireSession(request);
      const session = request.cookieSession;
      const { note } = request.body;

      // The whole session travels in the cookie, so a note that would push it past the size browsers keep
      // is rejected here. Stored anyway, the cookie would be dropped by the browser without any error.
      const cookieBytes = measureCookieBytes({ ...session.data(), note });
      if (cookieBytes > MAX_COOKIE_BYTES) {
        request.log.info(
          { strategy, sub, cookieBytes, maxCookieBytes: MAX_COOKIE_BYTES },
          'session data rejected',
        );
        throw createError('SESSION_COOKIE_TOO_LARGE');
      }

      session.set('note', note);
      session.options({ maxAge: remainingSeconds });

      return reply.send({
        strategy,
        sub,
        servedBy: config.replicaId,
        note,
        noteBytes: Buffer.byteLength(note, 'utf8'),
        cookieBytes,
      });
    },
  );

  scope.post(
    `/${strategy}/logout`,
    async function clearCookieSession(request: FastifyRequest, reply: FastifyReply) {
      // The cookie is all the session there is, so logout can only ask this client to drop it. A copy made
      // before logout stays valid on every replica until createdAt + API_COOKIE_SESSION_TTL_SECONDS.
      if (request.cookies[COOKIE_SESSION_COOKIE_NAME] !== undefined) {
        const sub = request.cookieSession.get('sub');
        request.cookieSession.delete();
        request.log.info(
          { strategy, sub: typeof sub === 'string' ? sub : undefined },
          'session cookie cleared',
        );
      }

      return reply.code(204).send();
    },
  );
}

/**
 * Checks the decrypted session: the plugin has already turned a missing, tampered, foreign-key or
 * plugin-expired cookie into an empty session. The lifetime is checked here against `createdAt`, because
 * the plugin's own timestamp moves forward with every change and would let a session live forever.
 */
function checkSession(request: FastifyRequest, ttlSeconds: number): SessionCheck {
  const session = request.cookieSession;
  const sub = session.get('sub');
  const createdAt = session.get('createdAt');

  if (typeof sub !== 'string' || typeof createdAt !== 'number') {
    const hasCookie = request.cookies[COOKIE_SESSION_COOKIE_NAME] !== undefined;
    return { ok: false, reason: hasCookie ? 'unreadable' : 'no-cookie' };
  }

  const remainingSeconds = createdAt + ttlSeconds - nowSeconds();
  if (remainingSeconds <= 0) {
    return { ok: false, reason: 'expired' };
  }

  return { ok: true, sub, remainingSeconds };
}

/**
 * Returns the bytes of `sid_cookie=<value>` that the plugin would send for `data`. The value is
 * base64(ciphertext) + `%3B` + base64(nonce), so its length depends only on the length of the JSON inside.
 */
export function measureCookieBytes(data: Record<string, unknown>): number {
  // The plugin adds `__ts`, the time of the last change in whole seconds, to what it encrypts.
  const plaintextBytes = Buffer.byteLength(JSON.stringify({ ...data, __ts: nowSeconds() }), 'utf8');
  const valueBytes =
    base64Length(plaintextBytes + SECRETBOX_MAC_BYTES) +
    ENCODED_SEPARATOR.length +
    base64Length(SECRETBOX_NONCE_BYTES);
  return COOKIE_SESSION_COOKIE_NAME.length + 1 + valueBytes;
}

/**
 * Encodes a cookie value of @fastify/secure-session. Only the `;` separator needs escaping: base64 characters
 * are valid cookie octets, and leaving them as they are keeps the cookie's length independent of its nonce.
 */
export function encodeCookieSessionValue(value: string): string {
  return value.replace(';', ENCODED_SEPARATOR);
}

function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** The plugin's clock: `Math.round` of the current time in seconds, as @fastify/secure-session 8.4.0 writes `__ts`. */
function nowSeconds(): number {
  return Math.round(Date.now() / 1000);
}
