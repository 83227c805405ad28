import type { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ReplicaEndpoint } from '@authlab/cluster';
import { DEMO_CREDENTIALS } from '@authlab/users';
import { CookieJar } from './cookie-jar.js';
import { buildClientAgent, type HttpResult, readHeader, sendHttpRequest } from './http-client.js';
import type { Strategy } from './verdict.js';

/** The time from logout until every replica rejects the credential, for one strategy. */
export interface RevocationWindow {
  readonly strategy: Strategy;
  /** `measured`: every replica rejected in `windowMs`. `open`: some still accepted at the deadline. */
  readonly outcome: 'measured' | 'open' | 'no-logout' | 'failed';
  /** Milliseconds from the logout response until the last replica rejected, when measured. */
  readonly windowMs?: number;
  /** Replicas that still accepted the credential when the measurement ended. */
  readonly acceptingReplicas: readonly string[];
  readonly note: string;
}

export interface RevocationWindowOptions {
  /** The `round-robin` listener, through which logins and logouts go. */
  readonly balancer: string;
  /** Each replica's own URL. Without them the balancer is polled and `X-Served-By` names the replica. */
  readonly replicas?: readonly ReplicaEndpoint[];
  readonly strategies: readonly Strategy[];
  /** How long to keep polling after logout before reporting the window as open. Default 3,000 ms. */
  readonly deadlineMs?: number;
  /** Pause between two polling rounds. Default 25 ms. */
  readonly pollIntervalMs?: number;
  readonly requestTimeoutMs?: number;
}

const DEFAULTS = Object.freeze({ deadlineMs: 3_000, pollIntervalMs: 25, requestTimeoutMs: 5_000 });

/** Rejections in a row that end a measurement through the balancer, whatever the number of replicas seen. */
const MIN_BALANCER_REJECTIONS = 6;

/** A signed-in client: how it presents its credential, and how it logs out. */
interface Credential {
  readonly headers: Record<string, string>;
  logout(): Promise<void>;
}

/**
 * Measures each strategy's revocation window. It signs in and logs out through the balancer, then polls
 * every replica with the credential as it was before logout (a copy, as a thief would keep it) until
 * each one rejects it, or until the deadline. Requests are sequential and bounded by the deadline, so a
 * strategy whose credential outlives logout costs at most `deadlineMs` (plus one request timeout).
 */
export async function measureRevocationWindows(
  options: RevocationWindowOptions,
): Promise<RevocationWindow[]> {
  const windows: RevocationWindow[] = [];
  for (const strategy of options.strategies) {
    windows.push(await measureOne(strategy, options));
  }
  return windows;
}

async function measureOne(strategy: Strategy, options: RevocationWindowOptions): Promise<RevocationWindow> {
  if (strategy === 'basic') {
    return {
      strategy,
      outcome: 'no-logout',
      acceptingReplicas: [],
      note: 'no logout: the password is the credential, valid until it changes',
    };
  }

  const agent = buildClientAgent();
  const timeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  try {
    const credential = await signIn(strategy, options.balancer, agent, timeoutMs);
    await credential.logout();
    const loggedOutAt = performance.now();
    return await pollUntilRejected(strategy, credential, loggedOutAt, options, agent);
  } catch (error) {
    return {
      strategy,
      outcome: 'failed',
      acceptingReplicas: [],
      note: `not measured: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    agent.destroy();
  }
}

async function signIn(
  strategy: Strategy,
  balancer: string,
  agent: Agent,
  timeoutMs: number,
): Promise<Credential> {
  const credentials = DEMO_CREDENTIALS[0]!;
  const send = (
    method: 'GET' | 'POST',
    path: string,
    extra: { json?: unknown; headers?: Record<string, string> } = {},
  ) => sendHttpRequest(agent, { method, url: `${balancer}${path}`, timeoutMs, ...extra });

  if (strategy === 'jwt') {
    const login = expectStatus(
      await send('POST', '/auth/login', { json: credentials }),
      200,
      'POST /auth/login',
    );
    const body = JSON.parse(login.body) as { access_token?: unknown; refresh_token?: unknown };
    if (typeof body.access_token !== 'string') {
      throw new Error('POST /auth/login returned no access_token');
    }
    const headers = { authorization: `Bearer ${body.access_token}` };
    return {
      headers,
      logout: async () => {
        const json = typeof body.refresh_token === 'string' ? { refresh_token: body.refresh_token } : {};
        expectStatus(await send('POST', '/auth/logout', { json, headers }), 204, 'POST /auth/logout');
      },
    };
  }

  const jar = new CookieJar();
  const login = expectStatus(
    await send('POST', `/${strategy}/login`, { json: credentials }),
    200,
    `POST /${strategy}/login`,
  );
  jar.storeResponseCookies(login.headers['set-cookie']);
  const cookie = jar.cookieHeader();
  if (cookie === undefined) {
    throw new Error(`POST /${strategy}/login set no cookie`);
  }
  // The copy taken before logout is what the polling presents: logout clears the browser's cookie, but
  // not a copy someone kept.
  const headers = { cookie };
  return {
    headers,
    logout: async () => {
      expectStatus(await send('POST', `/${strategy}/logout`, { headers }), 204, `POST /${strategy}/logout`);
    },
  };
}

async function pollUntilRejected(
  strategy: Strategy,
  credential: Credential,
  loggedOutAt: number,
  options: RevocationWindowOptions,
  agent: Agent,
): Promise<RevocationWindow> {
  const deadlineMs = options.deadlineMs ?? DEFAULTS.deadlineMs;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  const targets = options.replicas?.map((replica) => ({ id: replica.id, url: replica.url })) ?? [];
  const accepting = new Map<string, boolean>(targets.map((target) => [target.id, true]));
  let lastRejectionAt = loggedOutAt;
  let consecutiveRejections = 0;

  while (performance.now() - loggedOutAt < deadlineMs) {
    const probes =
      targets.length > 0
        ? targets.filter((target) => accepting.get(target.id))
        : [{ id: undefined, url: options.balancer }];

    for (const probe of probes) {
      const result = await sendHttpRequest(agent, {
        method: 'GET',
        url: `${probe.url}/${strategy}/me`,
        headers: credential.headers,
        timeoutMs,
      });
      const replica = probe.id ?? readHeader(result.headers, 'x-served-by') ?? 'unknown';
      const wasAccepting = accepting.get(replica) ?? true;
      accepting.set(replica, result.status === 200);
      if (wasAccepting && result.status !== 200) {
        lastRejectionAt = performance.now();
      }
    }

    const stillAccepting = [...accepting].filter(([, isAccepting]) => isAccepting).map(([id]) => id);
    consecutiveRejections = stillAccepting.length === 0 ? consecutiveRejections + probes.length : 0;
    // With direct URLs every replica has responded. Through the balancer, a run of rejections twice as
    // long as the number of replicas seen makes it likely that each one was asked again.
    const settled =
      targets.length > 0 || consecutiveRejections >= Math.max(MIN_BALANCER_REJECTIONS, 2 * accepting.size);
    if (stillAccepting.length === 0 && settled) {
      return {
        strategy,
        outcome: 'measured',
        windowMs: Math.max(0, Math.round(lastRejectionAt - loggedOutAt)),
        acceptingReplicas: [],
        note: 'every replica rejects the credential after logout',
      };
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }

  const stillAccepting = [...accepting].filter(([, isAccepting]) => isAccepting).map(([id]) => id);
  return {
    strategy,
    outcome: 'open',
    acceptingReplicas: stillAccepting.sort(),
    note: describeOpenWindow(strategy),
  };
}

function describeOpenWindow(strategy: Strategy): string {
  switch (strategy) {
    case 'jwt':
      return 'the access token works until exp: API_REVOCATION_CHECK is off, or Redis is down with fail-open';
    case 'cookie-session':
      return 'a copied cookie stays valid until it expires: the session lives in the cookie, not on a server';
    case 'session-memory':
      return 'logout reached another replica than the one holding the session, which still accepts it';
    default:
      return 'the credential still works on some replica';
  }
}

function expectStatus(result: HttpResult, status: number, requestLine: string): HttpResult {
  if (result.status !== status) {
    throw new Error(`${requestLine} returned ${result.status}, expected ${status}`);
  }
  return result;
}

/** Formats the windows as a small text table for the terminal. */
export function renderRevocationWindows(
  windows: readonly RevocationWindow[],
  deadlineMs: number = DEFAULTS.deadlineMs,
): string {
  if (windows.length === 0) {
    return '';
  }
  const lines = ['', 'revocation window: time from logout until every replica rejects the credential'];
  const width = Math.max(...windows.map((window) => window.strategy.length));
  for (const window of windows) {
    let value: string;
    if (window.outcome === 'measured') {
      value = `${window.windowMs} ms`;
    } else if (window.outcome === 'open') {
      value = `open after ${deadlineMs} ms (still accepted by ${window.acceptingReplicas.join(', ')}): ${window.note}`;
    } else {
      value = window.note;
    }
    lines.push(`  ${window.strategy.padEnd(width)}  ${value}`);
  }
  return `${lines.join('\n')}\n`;
}
