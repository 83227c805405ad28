/**
 * The strategies and balancer modes the dashboard offers. A new strategy or balancer mode joins the page by
 * adding one entry here, plus its labels in both message tables.
 */

/** Kind of proof a browser sends on each request of a strategy. */
export type CredentialKind = 'bearer' | 'cookie' | 'basic';

/** One authentication strategy and the routes it uses through the balancer. */
export interface StrategyEntry {
  readonly id: string;
  readonly credential: CredentialKind;
  /** Route that checks the password; absent for `basic`, which sends the password with every request. */
  readonly loginPath?: string;
  /** Route that returns `{ strategy, sub, servedBy }` for an authenticated request. */
  readonly mePath: string;
  readonly logoutPath?: string;
  /** Name of the cookie the login response sets, for the cookie strategies. */
  readonly cookieName?: string;
  /** True when the proof is valid only on the replica that created it, as with sessions kept in memory. */
  readonly stateOnOneReplica: boolean;
}

/**
 * What a balancer mode pins a client to one replica by: nothing (`none`), the client's address, a hash of
 * the session cookies, or a route cookie that names the replica which created the session.
 */
export type Pinning = 'none' | 'client-address' | 'session-cookie-hash' | 'route-cookie';

/** One nginx listener and how it picks a replica. */
export interface BalancerModeEntry {
  readonly id: string;
  /** Port of the listener on the balancer host. */
  readonly port: number;
  readonly pinning: Pinning;
}

export const STRATEGIES: readonly StrategyEntry[] = Object.freeze([
  {
    id: 'jwt',
    credential: 'bearer',
    loginPath: '/auth/login',
    mePath: '/jwt/me',
    stateOnOneReplica: false,
  },
  {
    id: 'session-memory',
    credential: 'cookie',
    loginPath: '/session-memory/login',
    mePath: '/session-memory/me',
    logoutPath: '/session-memory/logout',
    cookieName: 'sid_memory',
    stateOnOneReplica: true,
  },
  {
    id: 'session-redis',
    credential: 'cookie',
    loginPath: '/session-redis/login',
    mePath: '/session-redis/me',
    logoutPath: '/session-redis/logout',
    cookieName: 'sid_redis',
    stateOnOneReplica: false,
  },
  {
    id: 'cookie-session',
    credential: 'cookie',
    loginPath: '/cookie-session/login',
    mePath: '/cookie-session/me',
    logoutPath: '/cookie-session/logout',
    cookieName: 'sid_cookie',
    stateOnOneReplica: false,
  },
  {
    id: 'basic',
    credential: 'basic',
    mePath: '/basic/me',
    stateOnOneReplica: false,
  },
]);

export const BALANCER_MODES: readonly BalancerModeEntry[] = Object.freeze([
  { id: 'round-robin', port: 8080, pinning: 'none' },
  { id: 'ip-hash', port: 8081, pinning: 'client-address' },
  { id: 'cookie-hash', port: 8082, pinning: 'session-cookie-hash' },
  { id: 'sticky-route', port: 8083, pinning: 'route-cookie' },
]);

/** The demo users of `@authlab/users`. Their passwords are public on purpose: this is a lab. */
export const DEMO_USERS: readonly { readonly username: string; readonly password: string }[] = Object.freeze([
  { username: 'alice', password: 'alice-in-the-lab' },
  { username: 'bob', password: 'bob-builds-the-lab' },
  { username: 'carol', password: 'carol-sings-in-the-lab' },
]);

/**
 * Outcome the lab expects from a burst: every request accepted; most rejected because the session stays on
 * one replica; or, under `cookie-hash`, all on one replica and accepted only if that replica created the
 * session.
 */
export type ExpectedOutcome = 'all-accepted' | 'mostly-rejected' | 'all-or-none';

/** Returns the outcome the lab predicts for a strategy behind a balancer mode. */
export function predictOutcome(strategy: StrategyEntry, mode: BalancerModeEntry): ExpectedOutcome {
  if (!strategy.stateOnOneReplica) {
    return 'all-accepted';
  }

  switch (mode.pinning) {
    case 'none':
      return 'mostly-rejected';
    case 'session-cookie-hash':
      // The sign-in request lacks the new cookie, so its hash may pick another replica than the requests after it.
      return 'all-or-none';
    case 'client-address':
    case 'route-cookie':
      return 'all-accepted';
  }
}

export function findStrategy(id: string): StrategyEntry | undefined {
  return STRATEGIES.find((strategy) => strategy.id === id);
}

export function findBalancerMode(id: string): BalancerModeEntry | undefined {
  return BALANCER_MODES.find((mode) => mode.id === id);
}

/**
 * Drills the page has words for, as the drill API of `authlab up` names them. The panel lists the drills the
 * API returns, in its order, and shows the name of one missing here as it is.
 */
export const DRILLS: readonly string[] = Object.freeze([
  'restart-replica',
  'stop-replica',
  'redis-outage',
  'auth-outage',
  'secret-mismatch',
]);
