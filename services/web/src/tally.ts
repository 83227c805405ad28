/** The result of one request of a burst, as the grid and the counts show it. */
export interface RequestOutcome {
  /** `accepted`: 2xx. `rejected`: 401 or 403. `failed`: any other status, or no readable response at all. */
  readonly kind: 'accepted' | 'rejected' | 'failed';
  /** HTTP status, or null when the browser exposed no response (network error, CORS block, timeout). */
  readonly status: number | null;
  /** The `X-Served-By` value, or null when the response had none or the browser hid it. */
  readonly replica: string | null;
  /** Stable error code from the JSON body of a non-2xx response, when there is one. */
  readonly code: string | null;
}

/** Counts of one replica, or of `?` for responses without an `X-Served-By` header. */
export interface ReplicaCount {
  readonly replica: string;
  accepted: number;
  rejected: number;
  failed: number;
}

export interface Tally {
  readonly total: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly failed: number;
  /** One row per replica, in natural order (`api-2` before `api-10`), with `?` last. */
  readonly replicas: readonly ReplicaCount[];
}

export const UNKNOWN_REPLICA = '?';

/** Classifies an HTTP response of a burst by its status. */
export function classifyResponse(
  status: number,
  replica: string | null,
  code: string | null,
): RequestOutcome {
  if (status >= 200 && status < 300) {
    return { kind: 'accepted', status, replica, code: null };
  }
  if (status === 401 || status === 403) {
    return { kind: 'rejected', status, replica, code };
  }
  return { kind: 'failed', status, replica, code };
}

/** Builds the outcome of a request whose response the browser did not expose: network error, CORS block or timeout. */
export function buildFailedOutcome(): RequestOutcome {
  return { kind: 'failed', status: null, replica: null, code: null };
}

/** Counts outcomes in total and per replica. */
export function tallyOutcomes(outcomes: readonly RequestOutcome[]): Tally {
  const byReplica = new Map<string, ReplicaCount>();
  let accepted = 0;
  let rejected = 0;
  let failed = 0;

  for (const outcome of outcomes) {
    const replica = outcome.replica ?? UNKNOWN_REPLICA;
    let row = byReplica.get(replica);
    if (!row) {
      row = { replica, accepted: 0, rejected: 0, failed: 0 };
      byReplica.set(replica, row);
    }
    row[outcome.kind] += 1;

    if (outcome.kind === 'accepted') {
      accepted += 1;
    } else if (outcome.kind === 'rejected') {
      rejected += 1;
    } else {
      failed += 1;
    }
  }

  const replicas = [...byReplica.values()].sort((left, right) =>
    compareReplicaIds(left.replica, right.replica),
  );
  return { total: outcomes.length, accepted, rejected, failed, replicas };
}

/** Orders replica ids naturally, so `api-2` comes before `api-10`, and puts `?` last. */
export function compareReplicaIds(left: string, right: string): number {
  if (left === right) {
    return 0;
  }
  if (left === UNKNOWN_REPLICA) {
    return 1;
  }
  if (right === UNKNOWN_REPLICA) {
    return -1;
  }
  return left.localeCompare(right, 'en', { numeric: true });
}

/**
 * Returns the short label a grid cell shows: the replica number for `api-N`, `A` for the auth service, and `?`
 * when the response has no `X-Served-By` header.
 */
export function labelReplica(replica: string | null): string {
  if (replica === null || replica === '') {
    return UNKNOWN_REPLICA;
  }

  const numbered = /^api-(\d{1,4})$/.exec(replica);
  if (numbered) {
    return numbered[1] as string;
  }

  if (replica === 'auth') {
    return 'A';
  }

  return replica.slice(0, 3);
}

/** Number of distinct replica colors in the stylesheet (`.replica-0` to `.replica-7`). */
export const REPLICA_COLOR_COUNT = 8;

/** Picks the color slot of a replica: `api-N` gets slot N-1, so api-1 is always the same color. */
export function pickReplicaColor(replica: string | null): number | null {
  if (replica === null || replica === '') {
    return null;
  }

  const numbered = /^api-(\d{1,4})$/.exec(replica);
  if (numbered) {
    return (Number(numbered[1]) - 1 + REPLICA_COLOR_COUNT) % REPLICA_COLOR_COUNT;
  }

  let hash = 0;
  for (const character of replica) {
    hash = (hash * 31 + (character.codePointAt(0) ?? 0)) % 9973;
  }
  return hash % REPLICA_COLOR_COUNT;
}
