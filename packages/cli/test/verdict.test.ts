import { describe, expect, it } from 'vitest';
import { decideVerdict, type RequestRecord, summarizeRow, type VerdictInput } from '../src/index.js';

const BASE: VerdictInput = {
  strategy: 'session-memory',
  cookieJar: true,
  requests: 90,
  accepted: 90,
  rejected: 0,
  errorMessages: [],
  servingReplicas: ['api-1', 'api-2', 'api-3'],
  replicaCount: 3,
  reachedOtherReplica: 0,
  rejectedOnOtherReplica: 0,
  rejectedOnCreator: 0,
  rejectedWithoutCookie: 0,
  acceptedOnOtherReplica: 0,
};

/** Builds the requests of one client that cycle over `replicas` in order, as round-robin does. */
function cycleRequests(
  client: number,
  replicas: readonly string[],
  count: number,
  statusFor: (replica: string) => number,
): RequestRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const replica = replicas[index % replicas.length]!;
    return { client, status: statusFor(replica), servedBy: replica, latencyMs: index, sentCookie: true };
  });
}

describe('decideVerdict', () => {
  it('calls a strategy accepted everywhere working on every replica', () => {
    const result = decideVerdict({ ...BASE, strategy: 'jwt' });

    expect(result.outcome).toBe('works-on-every-replica');
    expect(result.verdict).toBe(
      'works on every replica: all 90 answered requests were accepted by api-1, api-2 and api-3',
    );
  });

  it('calls sessions that never left their creator kept on it', () => {
    const result = decideVerdict({ ...BASE, balancerMode: 'sticky-route' });

    expect(result.outcome).toBe('kept-on-creator');
    expect(result.verdict).toBe(
      'the sticky-route mode kept every client on the replica that created its session, so all 90 answered requests were accepted (spread over api-1, api-2 and api-3)',
    );
  });

  it('gives no round-robin share for a hashing mode', () => {
    const result = decideVerdict({
      ...BASE,
      balancerMode: 'cookie-hash',
      accepted: 30,
      rejected: 60,
      reachedOtherReplica: 60,
      rejectedOnOtherReplica: 60,
    });

    expect(result.outcome).toBe('pinned-to-creator');
    expect(result.verdict).toContain(
      'the cookie-hash mode keeps a client on one replica, which need not be the one that created its session',
    );
    expect(result.verdict).not.toContain('expected about');
  });

  it('names replicas that served nothing', () => {
    const result = decideVerdict({ ...BASE, strategy: 'jwt', servingReplicas: ['api-1', 'api-3'] });

    expect(result.verdict).toBe(
      'works on the replicas this mode reached: all 90 answered requests were accepted by api-1 and api-3, and 1 other replica served none',
    );
  });

  it('refuses to generalize from one replica', () => {
    const result = decideVerdict({ ...BASE, servingReplicas: ['api-1'], replicaCount: 1 });

    expect(result.outcome).toBe('single-replica');
    expect(result.verdict).toBe(
      'all 90 answered requests were accepted, but only api-1 served them, so this run shows nothing about other replicas',
    );
  });

  it('explains sessions pinned to their creator', () => {
    const result = decideVerdict({
      ...BASE,
      accepted: 30,
      rejected: 60,
      reachedOtherReplica: 60,
      rejectedOnOtherReplica: 60,
    });

    expect(result.outcome).toBe('pinned-to-creator');
    expect(result.verdict).toBe(
      'a session is known only to the replica that created it: 60 of 90 requests reached another replica and were rejected (expected about 2/3 with 3 replicas)',
    );
  });

  it('explains a session cookie deleted by another replica', () => {
    const result = decideVerdict({
      ...BASE,
      accepted: 6,
      rejected: 84,
      reachedOtherReplica: 60,
      rejectedOnOtherReplica: 6,
      rejectedWithoutCookie: 78,
    });

    expect(result.outcome).toBe('pinned-to-creator');
    expect(result.verdict).toBe(
      'a session is known only to the replica that created it: 60 of 90 requests reached another replica (expected about 2/3 with 3 replicas), and the first such 401 also deleted the session cookie, so 84 of 90 requests were rejected in all',
    );
  });

  it('explains a client without a cookie jar', () => {
    const result = decideVerdict({
      ...BASE,
      strategy: 'session-redis',
      cookieJar: false,
      accepted: 0,
      rejected: 30,
      requests: 30,
    });

    expect(result.outcome).toBe('rejected-without-cookie');
    expect(result.verdict).toBe(
      'without a cookie jar the session cookie is never sent back: all 30 answered requests were rejected',
    );
  });

  it('reports a pattern it cannot explain', () => {
    const result = decideVerdict({
      ...BASE,
      accepted: 45,
      rejected: 45,
      rejectedOnCreator: 15,
      rejectedOnOtherReplica: 30,
    });

    expect(result.outcome).toBe('mixed');
    expect(result.verdict).toBe(
      "45 of 90 requests were accepted and 45 rejected, which matches neither a shared store nor one store per replica: read the replicas' logs",
    );
  });

  it('fails a row where every request failed', () => {
    const result = decideVerdict({
      ...BASE,
      accepted: 0,
      errorMessages: ['ECONNRESET socket hang up', 'status 502'],
    });

    expect(result.outcome).toBe('failed');
    expect(result.verdict).toBe('every request ended in an error (first: ECONNRESET socket hang up)');
  });

  it('adds the errors to an otherwise clear verdict', () => {
    const result = decideVerdict({
      ...BASE,
      strategy: 'jwt',
      accepted: 88,
      errorMessages: ['status 502', 'status 502'],
    });

    expect(result.verdict).toBe(
      'works on every replica: all 88 answered requests were accepted by api-1, api-2 and api-3; 2 of 90 requests ended in errors (first: status 502)',
    );
  });
});

describe('summarizeRow', () => {
  it('counts a memory session under round-robin', () => {
    const replicas = ['api-1', 'api-2', 'api-3'];
    const requests = [
      ...cycleRequests(0, replicas, 30, (replica) => (replica === 'api-1' ? 200 : 401)),
      ...cycleRequests(1, replicas, 30, (replica) => (replica === 'api-2' ? 200 : 401)),
    ];

    const row = summarizeRow(
      {
        strategy: 'session-memory',
        cookieJar: true,
        clients: 2,
        requestsPerClient: 30,
        requests,
        creators: ['api-1', 'api-2'],
      },
      3,
    );

    expect(row.label).toBe('session-memory');
    expect(row.requests).toBe(60);
    expect(row.accepted).toBe(20);
    expect(row.rejected).toBe(40);
    expect(row.errors).toBe(0);
    expect(row.servedBy).toEqual({ 'api-1': 20, 'api-2': 20, 'api-3': 20 });
    expect(row.createdBy).toEqual({ 'api-1': 1, 'api-2': 1 });
    expect(row.reachedOtherReplica).toBe(40);
    expect(row.rejectedOnOtherReplica).toBe(40);
    expect(row.outcome).toBe('pinned-to-creator');
    expect(row.latencyMs).toEqual({ median: 15, p95: 28 });
  });

  it('counts requests sent after the cookie was deleted', () => {
    const requests: RequestRecord[] = [
      { client: 0, status: 200, servedBy: 'api-1', latencyMs: 1, sentCookie: true },
      { client: 0, status: 401, servedBy: 'api-2', latencyMs: 1, sentCookie: true },
      { client: 0, status: 401, servedBy: 'api-3', latencyMs: 1, sentCookie: false },
      { client: 0, status: 401, servedBy: 'api-1', latencyMs: 1, sentCookie: false },
    ];

    const row = summarizeRow(
      {
        strategy: 'session-memory',
        cookieJar: true,
        clients: 1,
        requestsPerClient: 4,
        requests,
        creators: ['api-1'],
      },
      3,
    );

    expect(row.sentWithoutCookie).toBe(2);
    expect(row.rejectedOnOtherReplica).toBe(1);
    expect(row.reachedOtherReplica).toBe(2);
    expect(row.outcome).toBe('pinned-to-creator');
  });

  it('labels the row without a cookie jar', () => {
    const requests = cycleRequests(0, ['api-1', 'api-2'], 4, () => 401).map((record) => ({
      ...record,
      sentCookie: false,
    }));

    const row = summarizeRow(
      {
        strategy: 'session-redis',
        cookieJar: false,
        clients: 1,
        requestsPerClient: 4,
        requests,
        creators: ['api-2'],
      },
      2,
    );

    expect(row.label).toBe('session-redis, no cookie jar');
    expect(row.outcome).toBe('rejected-without-cookie');
  });

  it('counts network errors and orders replicas numerically', () => {
    const requests: RequestRecord[] = [
      { client: 0, status: 200, servedBy: 'api-10', latencyMs: 2, sentCookie: false },
      { client: 0, status: 200, servedBy: 'api-2', latencyMs: 2, sentCookie: false },
      {
        client: 0,
        status: undefined,
        servedBy: undefined,
        latencyMs: 5,
        error: 'ECONNREFUSED',
        sentCookie: false,
      },
    ];

    const row = summarizeRow(
      { strategy: 'jwt', cookieJar: true, clients: 1, requestsPerClient: 3, requests, creators: ['auth'] },
      2,
    );

    expect(row.errors).toBe(1);
    expect(Object.keys(row.servedBy)).toEqual(['api-2', 'api-10']);
    expect(row.reachedOtherReplica).toBe(0);
    expect(row.sentWithoutCookie).toBe(0);
    expect(row.verdict).toBe(
      'works on every replica: all 2 answered requests were accepted by api-2 and api-10; 1 of 3 requests ended in errors (first: ECONNREFUSED)',
    );
  });
});
