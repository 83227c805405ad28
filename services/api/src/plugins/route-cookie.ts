import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';

/** Name of the cookie that the balancer's `sticky-route` mode routes by. */
export const ROUTE_COOKIE_NAME = 'route';

/** Request header in which nginx names the balancer mode of the listener that received the request. */
const BALANCER_MODE_HEADER = 'x-balancer-mode';

/** Session cookies of the lab's strategies; a response that sets one of them also sets the route cookie. */
const SESSION_COOKIE_NAMES: ReadonlySet<string> = new Set(['sid_memory', 'sid_redis', 'sid_cookie']);

export interface RouteCookieOptions {
  /** The id this replica puts in the route cookie, the same as its `X-Served-By`. */
  readonly replicaId: string;
}

/**
 * Sets `route=<replica id>` (HttpOnly, SameSite=Lax, Path=/) on every response that sets a session cookie,
 * and clears it on every response that clears one, so that nginx in `sticky-route` mode sends the client's
 * later requests to the replica that created its session. The route cookie copies the session cookie's
 * Max-Age (or Expires) and Secure attributes, so both live and travel alike. It is set only on requests that nginx's
 * `sticky-route` listener forwarded (`X-Balancer-Mode: sticky-route`, which nginx sets on every listener
 * and never takes from the client), because no other mode reads it.
 *
 * The session plugins set their cookies in onSend hooks of child scopes, which run after every hook of
 * this root scope, so the cookie is added when the headers are written instead.
 */
export const routeCookiePlugin = fastifyPlugin(
  async function registerRouteCookie(app: FastifyInstance, options: RouteCookieOptions) {
    app.addHook(
      'onRequest',
      async function addRouteCookieOnWrite(request: FastifyRequest, reply: FastifyReply) {
        if (request.headers[BALANCER_MODE_HEADER] === 'sticky-route') {
          wrapWriteHead(reply.raw, options.replicaId);
        }
      },
    );
  },
  { name: 'authlab-route-cookie', fastify: '5.x' },
);

function wrapWriteHead(response: ServerResponse, replicaId: string): void {
  const writeHead = response.writeHead;
  // writeHead(statusCode[, statusMessage][, headers]); fastify passes its headers as the last argument.
  response.writeHead = function writeHeadWithRouteCookie(
    this: ServerResponse,
    ...args: Parameters<ServerResponse['writeHead']>
  ) {
    const last = args[args.length - 1];
    const headers =
      typeof last === 'object' && last !== null && !Array.isArray(last)
        ? (last as Record<string, unknown>)
        : undefined;
    const setCookies = collectSetCookies(headers?.['set-cookie'] ?? this.getHeader('set-cookie'));
    const routeCookie = buildRouteCookie(setCookies, replicaId);
    if (routeCookie !== undefined) {
      const combined = [...setCookies, routeCookie];
      if (headers !== undefined && headers['set-cookie'] !== undefined) {
        headers['set-cookie'] = combined;
      } else {
        this.setHeader('set-cookie', combined);
      }
    }
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
}

function collectSetCookies(value: unknown): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * Returns the route cookie that goes with the session cookies of `setCookies`: one naming this replica when
 * a session cookie is set, one that expires when a session cookie is cleared, or undefined otherwise.
 */
export function buildRouteCookie(setCookies: readonly string[], replicaId: string): string | undefined {
  const sessionCookie = setCookies
    .map(parseSetCookie)
    .find((cookie) => cookie !== undefined && SESSION_COOKIE_NAMES.has(cookie.name));
  if (sessionCookie === undefined) {
    return undefined;
  }

  const secure = sessionCookie.attributes.has('secure') ? '; Secure' : '';
  if (sessionCookie.clears) {
    return `${ROUTE_COOKIE_NAME}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax${secure}`;
  }
  const maxAge = sessionCookie.attributes.get('max-age');
  const expires = sessionCookie.attributes.get('expires');
  let lifetime = '';
  if (maxAge !== undefined && /^\d+$/.test(maxAge)) {
    lifetime = `; Max-Age=${maxAge}`;
  } else if (expires !== undefined && !Number.isNaN(Date.parse(expires))) {
    lifetime = `; Expires=${expires}`;
  }
  return `${ROUTE_COOKIE_NAME}=${replicaId}${lifetime}; Path=/; HttpOnly; SameSite=Lax${secure}`;
}

interface ParsedSetCookie {
  readonly name: string;
  /** Attribute names in lowercase, each with its value ('' for a flag). */
  readonly attributes: ReadonlyMap<string, string>;
  /** Whether the header deletes the cookie: an empty value, Max-Age of zero or less, or a past Expires. */
  readonly clears: boolean;
}

function parseSetCookie(header: string): ParsedSetCookie | undefined {
  const [pair = '', ...rest] = header.split(';');
  const separator = pair.indexOf('=');
  if (separator <= 0) {
    return undefined;
  }

  const attributes = new Map<string, string>();
  for (const attribute of rest) {
    const equals = attribute.indexOf('=');
    const key = (equals === -1 ? attribute : attribute.slice(0, equals)).trim().toLowerCase();
    attributes.set(key, equals === -1 ? '' : attribute.slice(equals + 1).trim());
  }

  const value = pair.slice(separator + 1).trim();
  const maxAge = attributes.get('max-age');
  const expires = attributes.get('expires');
  const clears =
    value === '' ||
    (maxAge !== undefined && /^-?\d+$/.test(maxAge) && Number(maxAge) <= 0) ||
    (expires !== undefined && Date.parse(expires) <= Date.now());
  return { name: pair.slice(0, separator).trim(), attributes, clears };
}
