import type { BalancerMode } from '@authlab/balancer';

/** Authentication strategy of a request; `compare` runs all five. */
export type Strategy = 'jwt' | 'session-memory' | 'session-redis' | 'cookie-session' | 'basic';

/** Strategies whose credential is a session cookie, which a client without a cookie jar never sends back. */
export function isSessionStrategy(strategy: Strategy): boolean {
  return strategy === 'session-memory' || strategy === 'session-redis' || strategy === 'cookie-session';
}

/** One authenticated request of a simulated client. */
export interface RequestRecord {
  readonly client: number;
  /** HTTP status, or undefined when no response arrived. */
  readonly status: number | undefined;
  /** `X-Served-By` of the response. */
  readonly servedBy: string | undefined;
  readonly latencyMs: number;
  /** Network error message, when no response arrived. */
  readonly error?: string;
  /** `Retry-After` of the response, when it had one. */
  readonly retryAfter?: string | undefined;
  /** Milliseconds from the start of the run to the response (or the error). */
  readonly atMs?: number;
  /** Step of a drill the request belongs to. */
  readonly phase?: DrillPhase;
  /** Whether the request carried a session cookie; false after a response deleted it, or without a jar. */
  readonly sentCookie: boolean;
}

/** Step of a drill: before the fault, while it lasts, and after recovery. */
export type DrillPhase = 'before' | 'during' | 'after';

/** Observations of one comparison row: its plan, every request, and the creator of each client's session. */
export interface RowObservations {
  readonly strategy: Strategy;
  /** Listener the row's requests went through. Default `round-robin`. */
  readonly balancerMode?: BalancerMode;
  readonly cookieJar: boolean;
  readonly clients: number;
  readonly requestsPerClient: number;
  readonly requests: readonly RequestRecord[];
  /** Per client, the `X-Served-By` of its login response: a replica for sessions, `auth` for tokens. */
  readonly creators: readonly (string | undefined)[];
}

export type RowOutcome =
  | 'works-on-every-replica'
  | 'kept-on-creator'
  | 'single-replica'
  | 'pinned-to-creator'
  | 'rejected-without-cookie'
  | 'mixed'
  | 'failed';

/** The counts, spread and verdict of one row, as printed in the table and the JSON document. */
export interface RowSummary {
  readonly label: string;
  readonly strategy: Strategy;
  readonly balancerMode: BalancerMode;
  readonly cookieJar: boolean;
  readonly clients: number;
  readonly requests: number;
  /** Status 200. */
  readonly accepted: number;
  /** Status 401 or 403. */
  readonly rejected: number;
  /** Any other status, or no response at all. */
  readonly errors: number;
  /** Requests per `X-Served-By`, replicas in name order. */
  readonly servedBy: Readonly<Record<string, number>>;
  /**
   * Share of the requests with a response that the busiest replica served, times the number of replicas.
   * 1 is an even spread, and the replica count means one replica served everything. Null without responses.
   */
  readonly imbalance: number | null;
  /** Share of the requests with a response that the busiest replica served, from 0 to 1. */
  readonly busiestShare: number | null;
  /** Clients per creator of their session or token. */
  readonly createdBy: Readonly<Record<string, number>>;
  /** Requests answered by a replica other than the one that created the client's session. */
  readonly reachedOtherReplica: number;
  /** Requests that carried the session cookie and were rejected by a replica that did not create it. */
  readonly rejectedOnOtherReplica: number;
  /** Session requests sent without a cookie because an earlier response had deleted it. */
  readonly sentWithoutCookie: number;
  readonly latencyMs: { readonly median: number | null; readonly p95: number | null };
  readonly outcome: RowOutcome;
  readonly verdict: string;
}

/** Counts a row's requests and derives its verdict; `replicaCount` is the number of replicas seen in the run. */
export function summarizeRow(observations: RowObservations, replicaCount: number): RowSummary {
  const isSession = isSessionStrategy(observations.strategy);
  let accepted = 0;
  let rejected = 0;
  let reachedOtherReplica = 0;
  let rejectedOnOtherReplica = 0;
  let rejectedOnCreator = 0;
  let rejectedWithoutCookie = 0;
  let acceptedOnOtherReplica = 0;
  let sentWithoutCookie = 0;
  const servedBy: Record<string, number> = {};
  const errorMessages: string[] = [];

  for (const record of observations.requests) {
    const outcome = classifyStatus(record.status);
    const creator = observations.creators[record.client];
    const onOtherReplica = isSession && record.servedBy !== undefined && record.servedBy !== creator;
    if (record.servedBy !== undefined) {
      servedBy[record.servedBy] = (servedBy[record.servedBy] ?? 0) + 1;
    }
    if (onOtherReplica) {
      reachedOtherReplica += 1;
    }
    const withoutCookie = isSession && observations.cookieJar && !record.sentCookie;
    if (withoutCookie) {
      sentWithoutCookie += 1;
    }

    if (outcome === 'accepted') {
      accepted += 1;
      acceptedOnOtherReplica += onOtherReplica ? 1 : 0;
    } else if (outcome === 'rejected') {
      rejected += 1;
      if (withoutCookie) {
        rejectedWithoutCookie += 1;
      } else if (onOtherReplica) {
        rejectedOnOtherReplica += 1;
      } else {
        rejectedOnCreator += 1;
      }
    } else {
      errorMessages.push(record.error ?? `status ${record.status}`);
    }
  }

  const balancerMode = observations.balancerMode ?? 'round-robin';
  const counts: VerdictInput = {
    strategy: observations.strategy,
    balancerMode,
    cookieJar: observations.cookieJar,
    requests: observations.requests.length,
    accepted,
    rejected,
    errorMessages,
    servingReplicas: Object.keys(sortRecord(servedBy)),
    replicaCount,
    reachedOtherReplica,
    rejectedOnOtherReplica,
    rejectedOnCreator,
    rejectedWithoutCookie,
    acceptedOnOtherReplica,
  };
  const { outcome, verdict } = decideVerdict(counts);

  return {
    label: observations.cookieJar ? observations.strategy : `${observations.strategy}, no cookie jar`,
    strategy: observations.strategy,
    balancerMode,
    cookieJar: observations.cookieJar,
    clients: observations.clients,
    requests: observations.requests.length,
    accepted,
    rejected,
    errors: errorMessages.length,
    servedBy: sortRecord(servedBy),
    imbalance: measureImbalance(servedBy, replicaCount),
    busiestShare: measureBusiestShare(servedBy),
    createdBy: sortRecord(countValues(observations.creators)),
    reachedOtherReplica,
    rejectedOnOtherReplica,
    sentWithoutCookie,
    latencyMs: measureLatency(observations.requests),
    outcome,
    verdict,
  };
}

/** The counts a verdict is derived from. */
export interface VerdictInput {
  readonly strategy: Strategy;
  /** Default `round-robin`. */
  readonly balancerMode?: BalancerMode;
  readonly cookieJar: boolean;
  readonly requests: number;
  readonly accepted: number;
  readonly rejected: number;
  /** One message per request that ended in an error. */
  readonly errorMessages: readonly string[];
  /** Replicas that answered at least one request of the row, in name order. */
  readonly servingReplicas: readonly string[];
  /** Replicas seen in the whole run. */
  readonly replicaCount: number;
  /** Requests answered by a replica other than the creator of the client's session. */
  readonly reachedOtherReplica: number;
  /** Rejected while carrying the session cookie, by a replica that did not create the session. */
  readonly rejectedOnOtherReplica: number;
  /** Rejected while carrying the session cookie, by the replica that created the session. */
  readonly rejectedOnCreator: number;
  /** Rejected after an earlier response had deleted the session cookie. */
  readonly rejectedWithoutCookie: number;
  readonly acceptedOnOtherReplica: number;
}

/** Derives the outcome of a row and a one-line verdict in plain words from its counts. */
export function decideVerdict(input: VerdictInput): { outcome: RowOutcome; verdict: string } {
  const { requests, accepted, rejected, errorMessages } = input;
  const errorNote =
    errorMessages.length === 0
      ? ''
      : `; ${errorMessages.length} of ${requests} requests ended in errors (first: ${errorMessages[0]})`;

  if (requests === 0) {
    return { outcome: 'failed', verdict: 'no request was sent' };
  }
  if (accepted + rejected === 0) {
    return { outcome: 'failed', verdict: `every request ended in an error (first: ${errorMessages[0]})` };
  }

  if (!input.cookieJar && accepted === 0) {
    return {
      outcome: 'rejected-without-cookie',
      verdict: `without a cookie jar the session cookie is never sent back: all ${rejected} answered requests were rejected${errorNote}`,
    };
  }

  if (rejected === 0) {
    const serving = joinNames(input.servingReplicas);
    const keptOnCreator =
      input.strategy === 'session-memory' &&
      input.cookieJar &&
      input.reachedOtherReplica === 0 &&
      input.servingReplicas.length > 1;
    if (keptOnCreator) {
      return {
        outcome: 'kept-on-creator',
        verdict: `the ${input.balancerMode ?? 'round-robin'} mode kept every client on the replica that created its session, so all ${accepted} answered requests were accepted (spread over ${serving})${errorNote}`,
      };
    }
    if (input.replicaCount <= 1 || input.servingReplicas.length <= 1) {
      return {
        outcome: 'single-replica',
        verdict: `all ${accepted} answered requests were accepted, but only ${serving || 'one replica'} served them, so this run shows nothing about other replicas${errorNote}`,
      };
    }
    const missing = input.replicaCount - input.servingReplicas.length;
    if (missing > 0) {
      // The balancer mode kept some replicas idle, so the run shows the strategy on the replicas it reached only.
      return {
        outcome: 'works-on-every-replica',
        verdict: `works on the replicas this mode reached: all ${accepted} answered requests were accepted by ${serving}, and ${missing} other replica${missing === 1 ? '' : 's'} served none${errorNote}`,
      };
    }
    return {
      outcome: 'works-on-every-replica',
      verdict: `works on every replica: all ${accepted} answered requests were accepted by ${serving}${errorNote}`,
    };
  }

  const isSession = isSessionStrategy(input.strategy);
  if (isSession && input.cookieJar && input.rejectedOnCreator === 0 && input.acceptedOnOtherReplica === 0) {
    const replicas = input.replicaCount;
    const mode = input.balancerMode ?? 'round-robin';
    // Only round-robin sends each request to any replica alike; the other modes pick one replica per client.
    const expected =
      mode === 'round-robin'
        ? `expected about ${replicas - 1}/${replicas} with ${replicas} replicas`
        : `the ${mode} mode keeps a client on one replica, which need not be the one that created its session`;
    if (input.rejectedWithoutCookie === 0) {
      return {
        outcome: 'pinned-to-creator',
        verdict: `a session is known only to the replica that created it: ${input.rejectedOnOtherReplica} of ${requests} requests reached another replica and were rejected (${expected})${errorNote}`,
      };
    }
    // A replica that clears the cookie of a session it does not know signs the client out for good, even
    // when a later request reaches the replica that created the session. The lab's replicas keep the
    // cookie, so this branch shows only against a server that clears it.
    return {
      outcome: 'pinned-to-creator',
      verdict:
        `a session is known only to the replica that created it: ${input.reachedOtherReplica} of ${requests} requests ` +
        `reached another replica (${expected}), and the first such 401 also deleted the session cookie, so ` +
        `${rejected} of ${requests} requests were rejected in all${errorNote}`,
    };
  }

  return {
    outcome: 'mixed',
    verdict:
      `${accepted} of ${requests} requests were accepted and ${rejected} rejected, which matches neither a shared ` +
      `store nor one store per replica: read the replicas' logs${errorNote}`,
  };
}

function classifyStatus(status: number | undefined): 'accepted' | 'rejected' | 'error' {
  if (status === 200) {
    return 'accepted';
  }
  return status === 401 || status === 403 ? 'rejected' : 'error';
}

function measureLatency(requests: readonly RequestRecord[]): RowSummary['latencyMs'] {
  const answered = requests
    .filter((record) => record.status !== undefined)
    .map((record) => record.latencyMs)
    .sort((left, right) => left - right);
  if (answered.length === 0) {
    return { median: null, p95: null };
  }
  const percentile = (fraction: number) =>
    answered[Math.min(answered.length - 1, Math.floor(fraction * answered.length))]!;
  return { median: percentile(0.5), p95: percentile(0.95) };
}

function measureBusiestShare(servedBy: Readonly<Record<string, number>>): number | null {
  const counts = Object.values(servedBy);
  const answered = counts.reduce((sum, count) => sum + count, 0);
  return answered === 0 ? null : Math.round((Math.max(...counts) / answered) * 1000) / 1000;
}

function measureImbalance(servedBy: Readonly<Record<string, number>>, replicaCount: number): number | null {
  const busiestShare = measureBusiestShare(servedBy);
  if (busiestShare === null) {
    return null;
  }
  return Math.round(busiestShare * Math.max(replicaCount, Object.keys(servedBy).length) * 100) / 100;
}

function countValues(values: readonly (string | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) {
    const key = value ?? 'unknown';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Orders keys so that api-2 comes before api-10. */
function sortRecord(record: Record<string, number>): Record<string, number> {
  const keys = Object.keys(record).sort((left, right) => left.localeCompare(right, 'en', { numeric: true }));
  return Object.fromEntries(keys.map((key) => [key, record[key]!]));
}

/** `api-1`, `api-1 and api-2`, `api-1, api-2 and api-3`. */
function joinNames(names: readonly string[]): string {
  if (names.length <= 1) {
    return names[0] ?? '';
  }
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
