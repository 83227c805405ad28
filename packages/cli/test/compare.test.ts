import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClusterDriver } from '@authlab/cluster';
import { DEMO_CREDENTIALS } from '@authlab/users';
import { afterEach, describe, expect, it } from 'vitest';
import { CompareRunError, type RowProgress, runComparison } from '../src/index.js';
import { runMatrix } from '../src/matrix.js';

interface FakeBalancerOptions {
  /** Status of POST /session-redis/login; 200 signs in. */
  readonly redisLoginStatus?: number;
  /** Status of GET /healthz. */
  readonly healthStatus?: number;
}

/**
 * Starts a stand-in for nginx in front of three replicas, in one process. It rotates over api-1..3, accepts
 * the JWT everywhere, knows a memory session only on its creator (the others reject it and keep the
 * cookie, as the real replicas do), knows Redis sessions and encrypted cookie sessions everywhere, and accepts the demo
 * users' Basic credentials everywhere.
 */
function startFakeBalancer(options: FakeBalancerOptions = {}): Promise<Server> {
  const replicas = ['api-1', 'api-2', 'api-3'];
  let next = 0;
  const memorySessions = new Map<string, string>();
  const redisSessions = new Set<string>();
  const basicHeaders = new Set(
    DEMO_CREDENTIALS.map(
      ({ username, password }) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
    ),
  );

  function handle(request: IncomingMessage, response: ServerResponse): ServerResponse {
    const replica = replicas[next++ % replicas.length]!;
    const cookies = new Map(
      (request.headers.cookie ?? '').split('; ').map((pair) => pair.split('=') as [string, string]),
    );
    const send = (status: number, headers: Record<string, string | string[]> = {}): ServerResponse => {
      response.writeHead(status, { 'content-type': 'application/json', 'x-served-by': replica, ...headers });
      return response.end(
        JSON.stringify(status === 200 ? { servedBy: replica } : { statusCode: status, code: 'FAKE_ERROR' }),
      );
    };

    switch (`${request.method} ${request.url}`) {
      case 'GET /healthz':
        return send(options.healthStatus ?? 200);
      case 'POST /auth/login':
        response.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'auth' });
        return response.end(JSON.stringify({ access_token: 'token', token_type: 'Bearer', expires_in: 900 }));
      case 'GET /jwt/me':
        return send(request.headers.authorization === 'Bearer token' ? 200 : 401);
      case 'POST /session-memory/login': {
        const id = randomUUID();
        memorySessions.set(id, replica);
        return send(200, { 'set-cookie': [`sid_memory=${id}; Path=/; HttpOnly`] });
      }
      case 'GET /session-memory/me': {
        const creator = memorySessions.get(cookies.get('sid_memory') ?? '');
        if (creator === replica) {
          return send(200);
        }
        return send(401);
      }
      case 'POST /session-redis/login': {
        if ((options.redisLoginStatus ?? 200) !== 200) {
          response.writeHead(options.redisLoginStatus!, {
            'content-type': 'application/json',
            'retry-after': '1',
          });
          return response.end(
            JSON.stringify({
              statusCode: 503,
              code: 'SESSION_STORE_UNAVAILABLE',
              message: 'The store is down.',
            }),
          );
        }
        const id = randomUUID();
        redisSessions.add(id);
        return send(200, { 'set-cookie': [`sid_redis=${id}; Path=/; HttpOnly`] });
      }
      case 'GET /session-redis/me':
        return send(redisSessions.has(cookies.get('sid_redis') ?? '') ? 200 : 401);
      case 'POST /cookie-session/login':
        return send(200, { 'set-cookie': [`sid_cookie=sealed-${randomUUID()}; Path=/; HttpOnly`] });
      case 'GET /cookie-session/me':
        return send(cookies.get('sid_cookie')?.startsWith('sealed-') ? 200 : 401);
      case 'GET /basic/me':
        return send(basicHeaders.has(request.headers.authorization ?? '') ? 200 : 401);
      default:
        return send(404);
    }
  }

  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => handle(request, response));
  });
  return new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, () => resolve(server)));
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('runComparison', () => {
  let server: Server | undefined;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  it('reports the outcome of every strategy', async () => {
    server = await startFakeBalancer();

    const report = await runComparison({ url: urlOf(server), clients: 3, requestsPerClient: 9 });
    const outcomes = Object.fromEntries(report.rows.map((row) => [row.label, row.outcome]));

    expect(report.replicaIds).toEqual(['api-1', 'api-2', 'api-3']);
    expect(outcomes).toEqual({
      jwt: 'works-on-every-replica',
      'session-memory': 'pinned-to-creator',
      'session-redis': 'works-on-every-replica',
      'cookie-session': 'works-on-every-replica',
      basic: 'works-on-every-replica',
      'session-redis, no cookie jar': 'rejected-without-cookie',
    });
  });

  it('caps the requests of the basic row', async () => {
    server = await startFakeBalancer();

    const report = await runComparison({
      url: urlOf(server),
      clients: 2,
      requestsPerClient: 9,
      basicRequestsPerClient: 4,
    });
    const basic = report.rows.find((row) => row.label === 'basic')!;

    expect(basic.requests).toBe(8);
    expect(basic.accepted).toBe(8);
    expect(basic.createdBy).toEqual({ none: 2 });
    expect(report.rows.find((row) => row.label === 'cookie-session')!.requests).toBe(18);
  });

  it('counts requests, spread and creators', async () => {
    server = await startFakeBalancer();

    const report = await runComparison({ url: urlOf(server), clients: 3, requestsPerClient: 9 });
    const redis = report.rows.find((row) => row.label === 'session-redis')!;
    const memory = report.rows.find((row) => row.label === 'session-memory')!;

    expect(redis.requests).toBe(27);
    expect(redis.accepted).toBe(27);
    expect(Object.values(redis.servedBy).reduce((sum, count) => sum + count, 0)).toBe(27);
    expect(Object.values(redis.createdBy).reduce((sum, count) => sum + count, 0)).toBe(3);
    // The stand-in rotates over the replicas, so 2 of every 3 requests reach a replica other than the
    // creator, and exactly those are rejected because the cookie stays.
    expect(memory.rejected).toBe(memory.reachedOtherReplica);
    expect(memory.rejected).toBeGreaterThan(0);
    expect(memory.sentWithoutCookie).toBe(0);
  });

  it('reports the progress of every row', async () => {
    server = await startFakeBalancer();
    const finished: RowProgress[] = [];

    await runComparison({
      url: urlOf(server),
      clients: 2,
      requestsPerClient: 3,
      onProgress: (progress) => {
        if (progress.finished) {
          finished.push(progress);
        }
      },
    });

    expect(
      finished.map((progress) => `${progress.label} ${progress.completedRequests}/${progress.totalRequests}`),
    ).toEqual([
      'jwt 6/6',
      'session-memory 6/6',
      'session-redis 6/6',
      'cookie-session 6/6',
      'basic 6/6',
      'session-redis, no cookie jar 3/3',
    ]);
  });

  it('fails the run when a login fails', async () => {
    server = await startFakeBalancer({ redisLoginStatus: 503 });

    const run = runComparison({ url: urlOf(server), clients: 2, requestsPerClient: 3 });

    await expect(run).rejects.toThrow(CompareRunError);
    await expect(run).rejects.toThrow(
      'session-redis: POST /session-redis/login for alice through the balancer failed with 503 SESSION_STORE_UNAVAILABLE: The store is down.',
    );
  });

  it('fails the run when no replica answers the health check', async () => {
    server = await startFakeBalancer({ healthStatus: 502 });
    const url = urlOf(server);

    await expect(runComparison({ url, clients: 1, requestsPerClient: 1 })).rejects.toThrow(
      `the balancer at ${url} returned 502 FAKE_ERROR for GET /healthz: check that the replicas are running`,
    );
  });
});

describe('runMatrix', () => {
  const servers: Server[] = [];

  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function startListeners(): Promise<{ 'round-robin': string; 'sticky-route': string }> {
    const first = await startFakeBalancer();
    const second = await startFakeBalancer();
    servers.push(first, second);
    return { 'round-robin': urlOf(first), 'sticky-route': urlOf(second) };
  }

  it('runs every strategy through every listener', async () => {
    const report = await runMatrix({
      target: { balancers: await startListeners() },
      clients: 2,
      requestsPerClient: 3,
    });
    const rows = report.runs[0]!.rows.map((row) => `${row.balancerMode} ${row.label} ${row.requests}`);

    expect(report.runs).toHaveLength(1);
    expect(report.sourceAddresses.kind).toBe('distinct-networks');
    expect(rows).toEqual([
      'round-robin jwt 6',
      'round-robin session-memory 6',
      'round-robin session-redis 6',
      'round-robin cookie-session 6',
      'round-robin basic 6',
      'sticky-route jwt 6',
      'sticky-route session-memory 6',
      'sticky-route session-redis 6',
      'sticky-route cookie-session 6',
      'round-robin session-redis, no cookie jar 3',
    ]);
  });

  it('runs basic in every mode when asked', async () => {
    const report = await runMatrix({
      target: { balancers: await startListeners() },
      strategies: ['basic'],
      basicEveryMode: true,
      clients: 1,
      requestsPerClient: 2,
    });

    expect(report.runs[0]!.rows.map((row) => row.balancerMode)).toEqual(['round-robin', 'sticky-route']);
  });

  it('runs a drill in three phases with its steps', async () => {
    const calls: string[] = [];
    const record = (name: string) => async () => {
      calls.push(name);
    };
    const driver: ClusterDriver = {
      stopReplica: record('stopReplica'),
      startReplica: record('startReplica'),
      restartReplica: record('restartReplica'),
      stopRedis: record('stopRedis'),
      startRedis: record('startRedis'),
      stopAuth: record('stopAuth'),
      startAuth: record('startAuth'),
    };

    const report = await runMatrix({
      target: { balancers: await startListeners(), driver },
      strategies: ['jwt', 'session-redis'],
      drills: ['auth-outage'],
      drillsOnly: true,
      clients: 2,
      requestsPerClient: 3,
    });
    const run = report.runs[0]!;

    expect(calls).toEqual(['stopAuth', 'startAuth']);
    expect(run.drill).toBe('auth-outage');
    expect(run.steps.map((step) => step.action)).toEqual([
      'fault starts: stops the auth service, then starts it again',
      'fault ends: stops the auth service, then starts it again',
    ]);
    expect(run.loginProbes.map((probe) => `${probe.phase} ${probe.balancerMode} ${probe.status}`)).toEqual([
      'during round-robin 200',
      'during sticky-route 200',
      'after round-robin 200',
      'after sticky-route 200',
    ]);
    for (const row of run.rows) {
      expect(row.phases!.before.requests).toBe(6);
      expect(row.phases!.during.accepted).toBe(6);
      expect(row.sessionsValidBefore).toBe(2);
      expect(row.sessionsLost).toBe(0);
      expect(row.asExpected).toBe(true);
      expect(row.outcomesOverTime.reduce((sum, bucket) => sum + bucket.accepted, 0)).toBe(18);
    }
  });

  it('rejects a drill without a driver', async () => {
    const run = runMatrix({
      target: { balancers: await startListeners() },
      strategies: ['jwt'],
      drills: ['redis-outage'],
      drillsOnly: true,
      clients: 1,
      requestsPerClient: 1,
    });

    await expect(run).rejects.toThrow(
      'the redis-outage drill needs to control the cluster: start it with authlab up, or pass --cluster compose',
    );
  });
});
