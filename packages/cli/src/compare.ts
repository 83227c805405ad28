import type { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DEMO_CREDENTIALS } from '@authlab/users';
import { CookieJar } from './cookie-jar.js';
import { buildClientAgent, type HttpResult, readHeader, sendHttpRequest } from './http-client.js';
import {
  type RequestRecord,
  type RowObservations,
  type RowSummary,
  type Strategy,
  summarizeRow,
} from './verdict.js';

export interface CompareOptions {
  /** Balancer URL, for example http://127.0.0.1:8080. */
  readonly url: string;
  /** Simulated clients per strategy, each with its own connection and cookie jar. */
  readonly clients: number;
  /** Authenticated requests each client sends after signing in. */
  readonly requestsPerClient: number;
  /**
   * Requests each `basic` client sends; at most `requestsPerClient`, 5 by default. Each one costs the replica
   * a full scrypt password check, so the row would otherwise dominate the run time.
   */
  readonly basicRequestsPerClient?: number;
  /** Maximum wait for one response. Default 10,000 ms. */
  readonly requestTimeoutMs?: number;
  /** Called after each login and request, for progress output. */
  readonly onProgress?: (progress: RowProgress) => void;
}

/** Progress of the row being run, with the counts so far. */
export interface RowProgress {
  readonly label: string;
  readonly completedRequests: number;
  readonly totalRequests: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly errors: number;
  /** True on the last event of the row. */
  readonly finished: boolean;
}

/** The result of one `compare` run: one row per strategy, plus the run without a cookie jar. */
export interface ComparisonReport {
  readonly balancer: string;
  readonly clients: number;
  readonly requestsPerClient: number;
  /** Replicas that answered at least one request, in name order. */
  readonly replicaIds: readonly string[];
  readonly startedAt: string;
  readonly durationMs: number;
  readonly rows: readonly RowSummary[];
}

/** Error raised when the run itself fails: the balancer is unreachable, or a login failed unexpectedly. */
export class CompareRunError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CompareRunError';
  }
}

interface RowPlan {
  readonly strategy: Strategy;
  readonly cookieJar: boolean;
  readonly clients: number;
  readonly requestsPerClient: number;
}

const DEFAULTS = Object.freeze({ requestTimeoutMs: 10_000, basicRequestsPerClient: 5 });

/**
 * Signs in simulated clients through the balancer with each strategy, then sends their authenticated
 * requests one at a time in a random order of clients, recording status, `X-Served-By` and latency of each. The last row is one `session-redis` client without
 * a cookie jar, which never sends its session cookie back.
 */
export async function runComparison(options: CompareOptions): Promise<ComparisonReport> {
  const startedAt = new Date();
  const balancer = options.url.replace(/\/+$/, '');
  await checkBalancer(balancer, options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs);

  const requestsPerClient = options.requestsPerClient;
  const basicRequestsPerClient = Math.min(
    requestsPerClient,
    options.basicRequestsPerClient ?? DEFAULTS.basicRequestsPerClient,
  );
  const plans: RowPlan[] = [
    { strategy: 'jwt', cookieJar: true, clients: options.clients, requestsPerClient },
    { strategy: 'session-memory', cookieJar: true, clients: options.clients, requestsPerClient },
    { strategy: 'session-redis', cookieJar: true, clients: options.clients, requestsPerClient },
    { strategy: 'cookie-session', cookieJar: true, clients: options.clients, requestsPerClient },
    {
      strategy: 'basic',
      cookieJar: true,
      clients: options.clients,
      requestsPerClient: basicRequestsPerClient,
    },
    { strategy: 'session-redis', cookieJar: false, clients: 1, requestsPerClient },
  ];

  const observations: RowObservations[] = [];
  for (const plan of plans) {
    observations.push(await runRow(balancer, plan, options));
  }

  const replicaIds = new Set<string>();
  for (const row of observations) {
    for (const record of row.requests) {
      if (record.servedBy !== undefined) {
        replicaIds.add(record.servedBy);
      }
    }
  }
  const sortedReplicaIds = [...replicaIds].sort((left, right) =>
    left.localeCompare(right, 'en', { numeric: true }),
  );

  const rows = observations.map((row) => summarizeRow(row, sortedReplicaIds.length));
  return {
    balancer,
    clients: options.clients,
    requestsPerClient: options.requestsPerClient,
    replicaIds: sortedReplicaIds,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(Date.now() - startedAt.getTime()),
    rows,
  };
}

/** Raises CompareRunError, with the reason, when nothing listens at the balancer URL or no replica is reachable. */
export async function checkBalancer(balancer: string, timeoutMs: number): Promise<void> {
  const agent = buildClientAgent();
  try {
    const result = await sendHttpRequest(agent, { method: 'GET', url: `${balancer}/healthz`, timeoutMs });
    if (result.status !== 200) {
      throw new CompareRunError(
        `the balancer at ${balancer} returned ${describeFailure(result)} for GET /healthz: check that the replicas are running`,
      );
    }
  } catch (error) {
    if (error instanceof CompareRunError) {
      throw error;
    }
    throw new CompareRunError(
      `cannot reach the balancer at ${balancer}: ${describeNetworkError(error)}. Start a cluster with authlab up, or pass --url`,
      { cause: error },
    );
  } finally {
    agent.destroy();
  }
}

async function runRow(balancer: string, plan: RowPlan, options: CompareOptions): Promise<RowObservations> {
  const label = plan.cookieJar ? plan.strategy : `${plan.strategy}, no cookie jar`;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  const totalRequests = plan.clients * plan.requestsPerClient;
  const requests: RequestRecord[] = [];
  const creators: (string | undefined)[] = [];
  const report = (finished = false) => {
    const accepted = requests.filter((record) => record.status === 200).length;
    const rejected = requests.filter((record) => record.status === 401 || record.status === 403).length;
    options.onProgress?.({
      label,
      completedRequests: requests.length,
      totalRequests,
      accepted,
      rejected,
      errors: requests.length - accepted - rejected,
      finished,
    });
  };

  const clients = Array.from({ length: plan.clients }, (_, client) => ({
    client,
    agent: buildClientAgent(),
    jar: plan.cookieJar ? new CookieJar() : undefined,
    credential: undefined as string | undefined,
  }));

  try {
    report();
    await Promise.all(
      clients.map(async (state) => {
        const login = await signIn(balancer, plan.strategy, state.client, state.agent, state.jar, timeoutMs);
        creators[state.client] = login.createdBy;
        state.credential = login.authorization;
      }),
    );

    // Clients take turns in a random order, one request at a time. Concurrent clients that move in
    // lockstep would each land on the same replica every time under round-robin, which hides the spread.
    for (const client of shuffle(
      clients.flatMap((state) => Array.from({ length: plan.requestsPerClient }, () => state.client)),
    )) {
      const state = clients[client]!;
      requests.push(
        await sendAuthenticated(
          balancer,
          plan.strategy,
          client,
          state.agent,
          state.jar,
          state.credential,
          timeoutMs,
        ),
      );
      report();
    }
    report(true);
  } finally {
    for (const state of clients) {
      state.agent.destroy();
    }
  }
  return { ...plan, requests, creators };
}

/**
 * Signs one client in and returns the `Authorization` header its requests carry, if any. A failed login
 * fails the run, because no strategy expects it. `basic` has no login: its clients send the password
 * with every request, and no replica creates anything for them.
 */
export async function signIn(
  balancer: string,
  strategy: Strategy,
  client: number,
  agent: Agent,
  jar: CookieJar | undefined,
  timeoutMs: number,
): Promise<{ createdBy: string | undefined; authorization: string | undefined }> {
  const credentials = DEMO_CREDENTIALS[client % DEMO_CREDENTIALS.length]!;
  if (strategy === 'basic') {
    const userPass = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8');
    return { createdBy: 'none', authorization: `Basic ${userPass.toString('base64')}` };
  }

  const path = strategy === 'jwt' ? '/auth/login' : `/${strategy}/login`;

  let result: HttpResult;
  try {
    result = await sendHttpRequest(agent, {
      method: 'POST',
      url: `${balancer}${path}`,
      json: credentials,
      timeoutMs,
    });
  } catch (error) {
    throw new CompareRunError(
      `${strategy}: POST ${path} for ${credentials.username} failed: ${describeNetworkError(error)}`,
      { cause: error },
    );
  }
  if (result.status !== 200) {
    throw new CompareRunError(
      `${strategy}: POST ${path} for ${credentials.username} through the balancer failed with ${describeFailure(result)}`,
    );
  }

  jar?.storeResponseCookies(result.headers['set-cookie']);
  const createdBy = readHeader(result.headers, 'x-served-by');
  if (strategy !== 'jwt') {
    return { createdBy, authorization: undefined };
  }

  const token = parseJson(result.body)?.access_token;
  if (typeof token !== 'string') {
    throw new CompareRunError(`jwt: POST ${path} returned 200 without an access_token in its body`);
  }
  return { createdBy, authorization: `Bearer ${token}` };
}

export async function sendAuthenticated(
  balancer: string,
  strategy: Strategy,
  client: number,
  agent: Agent,
  jar: CookieJar | undefined,
  authorization: string | undefined,
  timeoutMs: number,
): Promise<RequestRecord> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) {
    headers.authorization = authorization;
  }
  const cookie = jar?.cookieHeader();
  if (cookie !== undefined) {
    headers.cookie = cookie;
  }

  const sentCookie = cookie !== undefined;
  const startedAt = performance.now();
  try {
    const result = await sendHttpRequest(agent, {
      method: 'GET',
      url: `${balancer}/${strategy}/me`,
      headers,
      timeoutMs,
    });
    jar?.storeResponseCookies(result.headers['set-cookie']);
    return {
      client,
      status: result.status,
      servedBy: readHeader(result.headers, 'x-served-by'),
      retryAfter: readHeader(result.headers, 'retry-after'),
      latencyMs: result.latencyMs,
      sentCookie,
    };
  } catch (error) {
    return {
      client,
      status: undefined,
      servedBy: undefined,
      latencyMs: performance.now() - startedAt,
      error: describeNetworkError(error),
      sentCookie,
    };
  }
}

/** Returns the items in a uniformly random order (Fisher-Yates). */
export function shuffle<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `503 SESSION_STORE_UNAVAILABLE: The session store is unreachable...`, or the status alone. */
function describeFailure(result: HttpResult): string {
  const body = parseJson(result.body);
  const code = typeof body?.code === 'string' ? ` ${body.code}` : '';
  const message = typeof body?.message === 'string' ? `: ${body.message}` : '';
  return `${result.status}${code}${message}`;
}

export function describeNetworkError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
