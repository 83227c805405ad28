import type { ClusterHandle } from '@authlab/cluster';
import { sendRequest, TEST_USER } from './http.js';

export const COOKIE_SESSION_COOKIE = 'sid_cookie';

/**
 * Signs in with `cookie-session` at `baseUrl` (the balancer or a replica) and returns the encrypted cookie as
 * `name=value`, with the replica that encrypted it.
 */
export async function signInWithCookieSession(
  baseUrl: string,
): Promise<{ cookie: string; createdBy: string }> {
  const response = await sendRequest(`${baseUrl}/cookie-session/login`, { json: TEST_USER });
  if (response.status !== 200) {
    throw new Error(`POST /cookie-session/login returned ${response.status}: ${response.text}`);
  }

  const line = (response.headers['set-cookie'] ?? []).find((header) =>
    header.startsWith(`${COOKIE_SESSION_COOKIE}=`),
  );
  if (line === undefined) {
    throw new Error(`POST /cookie-session/login returned 200 without a ${COOKIE_SESSION_COOKIE} cookie`);
  }
  return { cookie: line.split(';')[0]!, createdBy: String(response.headers['x-served-by']) };
}

/** Counts of the responses one replica sent during the key-mismatch drill. */
export interface ReplicaTally {
  accepted: number;
  rejected: number;
  /** Any status other than 200 and 401. */
  other: number;
}

/** Outcome of the `cookie-session` key-mismatch drill. */
export interface CookieKeyMismatchResult {
  /** The replica that ran with keys of its own. */
  readonly mismatchedReplica: string;
  /** The replica that encrypted the cookie, one with the shared keys. */
  readonly createdBy: string;
  readonly requests: number;
  /** Response counts per `X-Served-By`. */
  readonly byReplica: Readonly<Record<string, ReplicaTally>>;
}

export interface CookieKeyMismatchOptions {
  /** Replica that gets keys no other replica shares. Default: the last replica. */
  readonly replicaId?: string;
  /** Requests sent through the balancer with the cookie. Default: 10 per replica. */
  readonly requests?: number;
}

/**
 * Runs the key-mismatch drill for `cookie-session`: restarts one replica with keys of its own, signs in on
 * a replica with the shared keys, sends the cookie through the balancer, and counts the responses of each
 * replica. The mismatched replica is restarted with the shared keys again before the function returns,
 * also when a step fails.
 *
 * The expected outcome: the mismatched replica rejects every request it gets (401, and no Set-Cookie, so
 * the client keeps its cookie) and the others accept every one, so the rejected share is the share of
 * requests the balancer sends to that replica.
 */
export async function runCookieKeyMismatchDrill(
  cluster: ClusterHandle,
  options: CookieKeyMismatchOptions = {},
): Promise<CookieKeyMismatchResult> {
  const restart = cluster.driver.restartReplicaWithSecrets;
  if (restart === undefined) {
    throw new Error(`the ${cluster.mode} cluster cannot give one replica keys of its own`);
  }
  const mismatchedReplica = options.replicaId ?? cluster.replicaIds[cluster.replicaIds.length - 1]!;
  const sharedReplica = cluster.urls.replicas.find((replica) => replica.id !== mismatchedReplica);
  if (sharedReplica === undefined) {
    throw new Error('the key-mismatch drill needs at least two replicas');
  }
  const requests = options.requests ?? 10 * cluster.replicaIds.length;

  await restart.call(cluster.driver, mismatchedReplica, 'mismatched');
  try {
    const { cookie, createdBy } = await signInWithCookieSession(sharedReplica.url);
    const byReplica: Record<string, ReplicaTally> = {};

    // The client sends the cookie it got at login every time, so that no response can take it away.
    for (let count = 0; count < requests; count += 1) {
      const response = await sendRequest(`${cluster.urls.balancer}/cookie-session/me`, {
        headers: { cookie },
      });
      const servedBy = String(response.headers['x-served-by']);
      const tally = byReplica[servedBy] ?? { accepted: 0, rejected: 0, other: 0 };
      byReplica[servedBy] = tally;
      if (response.status === 200) {
        tally.accepted += 1;
      } else if (response.status === 401) {
        tally.rejected += 1;
      } else {
        tally.other += 1;
      }
    }

    return { mismatchedReplica, createdBy, requests, byReplica };
  } finally {
    await restart.call(cluster.driver, mismatchedReplica, 'shared');
  }
}
