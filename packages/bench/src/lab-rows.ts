import { request as httpRequest } from 'node:http';
import type { BenchPath, BenchRow, PrepareContext, PreparedLoad } from './bench-row.js';
import { RowUnavailableError } from './bench-row.js';
import { parseLoopbackTarget } from './loopback.js';

/** A user the bench signs in as. */
export interface BenchCredentials {
  readonly username: string;
  readonly password: string;
}

/** Process ids to charge CPU time to, by group; an empty list means the group cannot be read. */
export type CpuGroups = Readonly<Record<string, readonly number[]>>;

/** One way to reach the lab's routes, with the processes that serve it. */
export interface LabEndpoint {
  readonly path: BenchPath;
  /** Origin the load goes to: the balancer, one replica, or the peer app. */
  readonly url: string;
  /**
   * Origin for `session-memory`, whose sessions live in one replica: a balancer listener that keeps a
   * client on one replica, or the replica itself. Without it the `session-memory` row is left out.
   */
  readonly sessionMemoryUrl?: string;
  /** Origin of `POST /auth/login` for the JWT row; `url` when absent (the balancer routes /auth/). */
  readonly loginUrl?: string;
  /**
   * `alg` of the access tokens this endpoint accepts, from `detectJwtAlgorithm`. Default `HS256`. Any other
   * algorithm names the JWT row `jwt-<alg>` with the strategy `jwt-asymmetric`, so its target and label
   * differ from the HS256 row's.
   */
  readonly jwtAlgorithm?: string;
  /** Strategies this endpoint offers; the peer app has no `session-memory`. */
  readonly strategies: readonly string[];
  /**
   * Strategies whose login accepts `?sessionBytes=N` and then carries N bytes of extra data in the session
   * or token; only they join the session-size sweep.
   */
  readonly sessionBytesStrategies?: readonly string[];
  /**
   * Strategies that store extra session data with `PUT /<strategy>/data { note }` after login, the lab's
   * route for it; they join the session-size sweep too.
   */
  readonly sessionDataStrategies?: readonly string[];
  readonly cpuGroups: () => CpuGroups;
}

/** Sessions opened per session row, so a balancer that hashes the cookie spreads the load. */
const MAX_SESSIONS_PER_ROW = 8;

/** Source addresses of the bench's clients: 127.0.20.1, 127.0.20.2 and so on. */
const SOURCE_ADDRESS_PREFIX = '127.0.20.';

/**
 * Returns one source address per client, at most `MAX_SESSIONS_PER_ROW`. Every row uses them, so a
 * balancer that hashes the client address (ip-hash) spreads every row's load the same way.
 */
function listSourceAddresses(connections: number): string[] {
  const count = Math.min(connections, MAX_SESSIONS_PER_ROW);
  return Array.from({ length: count }, (_, index) => `${SOURCE_ADDRESS_PREFIX}${index + 1}`);
}

/** Timeout of one setup request (a login costs one scrypt derivation, a few hundred ms on 2 cores). */
const SETUP_REQUEST_TIMEOUT_MS = 30_000;

interface SetupResponse {
  readonly status: number;
  readonly body: unknown;
  readonly setCookies: readonly string[];
}

interface SetupRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly origin: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Source address to connect from, so a balancer that hashes the client address sees this client. */
  readonly localAddress?: string;
}

/** Sends one setup request with node:http, which, unlike fetch, can bind a source address. */
function sendSetupRequest(setup: SetupRequest): Promise<SetupResponse> {
  const target = parseLoopbackTarget(setup.origin);
  const body = setup.body === undefined ? undefined : JSON.stringify(setup.body);
  const where = `${setup.method} ${setup.origin}${setup.path}`;

  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: target.connectHost,
        port: target.port,
        method: setup.method,
        path: setup.path,
        agent: false,
        timeout: SETUP_REQUEST_TIMEOUT_MS,
        headers: {
          ...setup.headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(setup.localAddress ? { localAddress: setup.localAddress } : {}),
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = text;
          }
          const setCookie = response.headers['set-cookie'] ?? [];
          resolve({ status: response.statusCode ?? 0, body: parsed, setCookies: setCookie });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`timed out after ${SETUP_REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', (error) => reject(new Error(`${where} failed: ${error.message}`, { cause: error })));
    request.end(body);
  });
}

function describeFailure(request: string, response: SetupResponse): string {
  const code = (response.body as { code?: unknown } | undefined)?.code;
  return `${request} returned ${response.status}${typeof code === 'string' ? ` ${code}` : ''}`;
}

/** Signs in through `POST /auth/login` and returns the bearer token. */
async function fetchAccessToken(
  origin: string,
  credentials: BenchCredentials,
  sessionBytes: number,
): Promise<string> {
  const query = sessionBytes > 0 ? `?sessionBytes=${sessionBytes}` : '';
  const response = await sendSetupRequest({
    method: 'POST',
    origin,
    path: `/auth/login${query}`,
    body: credentials,
  });
  if (response.status === 404) {
    throw new RowUnavailableError(`${origin} has no POST /auth/login`);
  }
  const token = (response.body as { access_token?: unknown }).access_token;
  if (response.status !== 200 || typeof token !== 'string') {
    throw new Error(describeFailure(`POST ${origin}/auth/login`, response));
  }
  return token;
}

/** Signs in through `POST /<strategy>/login` and returns the `name=value` of the session cookie. */
async function fetchSessionCookie(
  origin: string,
  strategy: string,
  credentials: BenchCredentials,
  options: { readonly sessionBytes: number; readonly localAddress: string },
): Promise<string> {
  const query = options.sessionBytes > 0 ? `?sessionBytes=${options.sessionBytes}` : '';
  const response = await sendSetupRequest({
    method: 'POST',
    origin,
    path: `/${strategy}/login${query}`,
    body: credentials,
    localAddress: options.localAddress,
  });
  if (response.status === 404) {
    throw new RowUnavailableError(`${origin} has no POST /${strategy}/login`);
  }
  const cookie = response.setCookies[0]?.split(';')[0];
  if (response.status !== 200 || !cookie) {
    throw new Error(describeFailure(`POST ${origin}/${strategy}/login`, response));
  }
  return cookie;
}

async function checkRouteAnswers(
  origin: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  localAddress?: string,
): Promise<void> {
  const response = await sendSetupRequest({
    method: 'GET',
    origin,
    path,
    headers,
    ...(localAddress ? { localAddress } : {}),
  });
  if (response.status === 404) {
    throw new RowUnavailableError(`${origin} has no GET ${path}`);
  }
  if (response.status !== 200) {
    throw new Error(describeFailure(`GET ${origin}${path} while preparing the bench`, response));
  }
}

/**
 * Age after which prepared credentials are fetched again. It keeps a token or session from expiring
 * during a phase: the lab's defaults are 900 s for tokens and 1,800 s for sessions, and a phase of a full
 * run lasts a few minutes.
 */
const PREPARED_MAX_AGE_MS = 300_000;

/**
 * Reuses what `prepare` returned for the same session size when it has at least as many clients as now
 * needed, so the sweeps do not pay one password hash per login again for every point.
 */
function cachePrepared(
  prepare: (context: PrepareContext) => Promise<PreparedLoad>,
): (context: PrepareContext) => Promise<PreparedLoad> {
  const cache = new Map<
    number,
    { readonly load: PreparedLoad; readonly clients: number; readonly preparedAt: number }
  >();
  return async function prepareOrReuse(context) {
    const clients = Math.min(context.connections, MAX_SESSIONS_PER_ROW);
    const cached = cache.get(context.sessionBytes);
    if (cached && cached.clients >= clients && Date.now() - cached.preparedAt < PREPARED_MAX_AGE_MS) {
      return takeClients(cached.load, clients);
    }
    const load = await prepare(context);
    cache.set(context.sessionBytes, { load, clients, preparedAt: Date.now() });
    return load;
  };
}

/** Keeps the first `clients` requests and source addresses of a prepared load. */
function takeClients(load: PreparedLoad, clients: number): PreparedLoad {
  return {
    ...load,
    requests: load.requests.slice(0, Math.max(1, Math.min(clients, load.requests.length))),
    ...(load.localAddresses ? { localAddresses: load.localAddresses.slice(0, clients) } : {}),
  };
}

function baselineRow(endpoint: LabEndpoint): BenchRow {
  const id = `${endpoint.path}/baseline`;
  return {
    id,
    strategy: 'none',
    path: endpoint.path,
    baselineId: id,
    url: endpoint.url,
    description: 'GET /public/me: the same response shape with no authentication, the yardstick of this path',
    cpuGroups: endpoint.cpuGroups,
    async prepare(context: PrepareContext): Promise<PreparedLoad> {
      await checkRouteAnswers(endpoint.url, '/public/me', {});
      return {
        requests: [{ method: 'GET', path: '/public/me' }],
        localAddresses: listSourceAddresses(context.connections),
      };
    },
  };
}

/**
 * Reads the `alg` field of a JWT's header without verifying the token. Throws when the token has no
 * decodable header or no `alg` string.
 */
export function readJwtAlgorithm(token: string): string {
  const header = token.split('.')[0] ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    throw new TypeError('the access token has no JSON header');
  }
  const algorithm = (parsed as { alg?: unknown } | null)?.alg;
  if (typeof algorithm !== 'string' || algorithm === '') {
    throw new TypeError('the access token header has no alg');
  }
  return algorithm;
}

/** Signs in once through `POST /auth/login` at `origin` and returns the `alg` of the token it issues. */
export async function detectJwtAlgorithm(origin: string, credentials: BenchCredentials): Promise<string> {
  return readJwtAlgorithm(await fetchAccessToken(origin, credentials, 0));
}

/** Returns the row's id suffix, strategy and description for tokens signed with `algorithm`. */
function describeJwtRow(algorithm: string): { suffix: string; strategy: string; description: string } {
  if (algorithm === 'HS256') {
    return {
      suffix: 'jwt',
      strategy: 'jwt',
      description:
        'GET /jwt/me with Authorization: Bearer, an HS256 token verified locally with the shared key',
    };
  }
  return {
    suffix: `jwt-${algorithm.toLowerCase()}`,
    strategy: 'jwt-asymmetric',
    description: `GET /jwt/me with Authorization: Bearer, an ${algorithm} token verified locally with the public key from the auth service's JWKS`,
  };
}

function jwtRow(endpoint: LabEndpoint, credentials: BenchCredentials): BenchRow {
  const { suffix, strategy, description } = describeJwtRow(endpoint.jwtAlgorithm ?? 'HS256');
  return {
    id: `${endpoint.path}/${suffix}`,
    strategy,
    path: endpoint.path,
    baselineId: `${endpoint.path}/baseline`,
    url: endpoint.url,
    description,
    supportsSessionBytes: endpoint.sessionBytesStrategies?.includes('jwt') ?? false,
    cpuGroups: endpoint.cpuGroups,
    prepare: cachePrepared(async (context) => {
      const token = await fetchAccessToken(
        endpoint.loginUrl ?? endpoint.url,
        credentials,
        context.sessionBytes,
      );
      const headers = { authorization: `Bearer ${token}` };
      await checkRouteAnswers(endpoint.url, '/jwt/me', headers);
      return {
        requests: [{ method: 'GET', path: '/jwt/me', headers }],
        localAddresses: listSourceAddresses(context.connections),
      };
    }),
  };
}

type SessionStrategy = 'session-memory' | 'session-redis' | 'cookie-session';

const SESSION_PLACES: Readonly<Record<SessionStrategy, string>> = Object.freeze({
  'session-memory': 'the session in the memory of one replica',
  'session-redis': 'the session in Redis',
  'cookie-session': 'the whole session encrypted in the cookie',
});

/**
 * Stores `sessionBytes` of extra data with `PUT /<strategy>/data` and returns the session cookie to use
 * from then on: a client-side session returns a new, re-encrypted cookie.
 */
async function storeSessionData(
  origin: string,
  strategy: string,
  cookie: string,
  options: { readonly sessionBytes: number; readonly localAddress: string },
): Promise<string> {
  const response = await sendSetupRequest({
    method: 'PUT',
    origin,
    path: `/${strategy}/data`,
    headers: { cookie },
    body: { note: 'x'.repeat(options.sessionBytes) },
    localAddress: options.localAddress,
  });
  if (response.status === 404) {
    throw new RowUnavailableError(`${origin} has no PUT /${strategy}/data`);
  }
  if (response.status !== 200) {
    throw new RowUnavailableError(
      describeFailure(`PUT ${origin}/${strategy}/data with ${options.sessionBytes} bytes`, response),
    );
  }
  return response.setCookies[0]?.split(';')[0] ?? cookie;
}

function sessionRow(
  endpoint: LabEndpoint,
  strategy: SessionStrategy,
  credentials: BenchCredentials,
): BenchRow {
  const url = strategy === 'session-memory' ? endpoint.sessionMemoryUrl : endpoint.url;
  const sessionBytesAtLogin = endpoint.sessionBytesStrategies?.includes(strategy) ?? false;
  const sessionBytesByRoute = endpoint.sessionDataStrategies?.includes(strategy) ?? false;
  return {
    id: `${endpoint.path}/${strategy}`,
    strategy,
    path: endpoint.path,
    baselineId: `${endpoint.path}/baseline`,
    url: url ?? endpoint.url,
    description: `GET /${strategy}/me with a session cookie, ${SESSION_PLACES[strategy]}`,
    supportsSessionBytes: sessionBytesAtLogin || sessionBytesByRoute,
    cpuGroups: endpoint.cpuGroups,
    prepare: cachePrepared(async (context) => {
      if (!url) {
        throw new RowUnavailableError(
          `${strategy} needs a balancer mode that keeps a client on one replica; round-robin spreads its requests over replicas that do not share the session`,
        );
      }

      // Each session signs in and is then used from its own source address, so a balancer that hashes
      // the client address sends the session's requests to the replica that created it.
      const localAddresses = listSourceAddresses(context.connections);
      const requests = [];
      for (const localAddress of localAddresses) {
        let cookie = await fetchSessionCookie(url, strategy, credentials, {
          sessionBytes: sessionBytesAtLogin ? context.sessionBytes : 0,
          localAddress,
        });
        if (sessionBytesByRoute && context.sessionBytes > 0) {
          cookie = await storeSessionData(url, strategy, cookie, {
            sessionBytes: context.sessionBytes,
            localAddress,
          });
        }
        const headers = { cookie };
        await checkRouteAnswers(url, `/${strategy}/me`, headers, localAddress);
        requests.push({ method: 'GET', path: `/${strategy}/me`, headers });
      }
      return { requests, localAddresses };
    }),
  };
}

/**
 * Builds the rows of one endpoint: the no-authentication baseline first, then one row per strategy the
 * endpoint offers. Rows for strategies that are not built yet report themselves unavailable when the
 * route returns 404, so they join the table once the route exists.
 */
export function buildEndpointRows(endpoint: LabEndpoint, credentials: BenchCredentials): BenchRow[] {
  const rows: BenchRow[] = [baselineRow(endpoint)];
  for (const strategy of endpoint.strategies) {
    if (strategy === 'jwt') {
      rows.push(jwtRow(endpoint, credentials));
    } else if (
      strategy === 'session-memory' ||
      strategy === 'session-redis' ||
      strategy === 'cookie-session'
    ) {
      rows.push(sessionRow(endpoint, strategy, credentials));
    } else {
      throw new TypeError(`no bench row is defined for strategy ${JSON.stringify(strategy)}`);
    }
  }
  return rows;
}
