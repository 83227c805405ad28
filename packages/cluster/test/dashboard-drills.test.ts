import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DRILL_API_ERRORS } from '../src/dashboard-drills.js';
import { type ClusterHandle, isPortOpen, startLocalCluster } from '../src/index.js';

const STAND_IN = fileURLToPath(new URL('./fixtures/stand-in-service.mjs', import.meta.url));
const DASHBOARD_BUILT = existsSync(
  fileURLToPath(new URL('../../../services/web/dist/index.html', import.meta.url)),
);

interface DrillResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
}

/**
 * Sends one request to the dashboard's listener with node:http, which, unlike fetch, lets the test set
 * `Host` and leave out `Origin`.
 */
function sendToDrills(
  dashboard: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<DrillResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${dashboard}${path}`,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          try {
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) });
          } catch {
            reject(
              new Error(`${path} returned ${response.statusCode} with a body that is not JSON: ${text}`),
            );
          }
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

describe.skipIf(!DASHBOARD_BUILT)('drill API behind the dashboard listener', () => {
  let cluster: ClusterHandle;
  let dashboard: string;
  /** Headers of a POST from the dashboard's own page. */
  let pageHeaders: Record<string, string>;

  beforeAll(async () => {
    cluster = await startLocalCluster({
      replicaCount: 2,
      freePorts: true,
      entryPoints: { auth: STAND_IN, api: STAND_IN },
      stopGraceMs: 2_000,
    });
    dashboard = cluster.urls.dashboard!;
    pageHeaders = { origin: dashboard, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' };
  });

  afterEach(async () => {
    const state = await sendToDrills(dashboard, '/drills');
    const active = state.body.active as { name: string } | null;
    if (active !== null) {
      await sendToDrills(dashboard, `/drills/${active.name}/recover`, {
        method: 'POST',
        headers: pageHeaders,
      });
    }
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('points config.json at /drills', async () => {
    const config = (await (await fetch(`${dashboard}/config.json`)).json()) as { drillApiUrl: unknown };

    expect(config.drillApiUrl).toBe('/drills');
  });

  it('lists the drills, the replicas and no active drill', async () => {
    const response = await sendToDrills(dashboard, '/drills');

    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body.replicas).toEqual(['api-1', 'api-2']);
    expect(response.body.active).toBeNull();
    expect(response.body.running).toBeNull();
    expect((response.body.drills as { name: string }[]).map((drill) => drill.name)).toEqual([
      'restart-replica',
      'stop-replica',
      'redis-outage',
      'auth-outage',
      'secret-mismatch',
    ]);
  });

  it('stops a replica, then starts it on recover', async () => {
    const replica = cluster.urls.replicas[1]!;
    const [host, port] = new URL(replica.url).host.split(':') as [string, string];

    const injected = await sendToDrills(dashboard, '/drills/stop-replica', {
      method: 'POST',
      headers: pageHeaders,
      body: JSON.stringify({ replica: 'api-2' }),
    });
    expect(injected.status).toBe(200);
    expect(injected.body.active).toMatchObject({ name: 'stop-replica', replica: 'api-2' });
    expect(injected.body.done).toEqual({ name: 'stop-replica', step: 'inject' });
    expect(await isPortOpen(host, Number(port))).toBe(false);

    const second = await sendToDrills(dashboard, '/drills/redis-outage', {
      method: 'POST',
      headers: pageHeaders,
    });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('DRILL_ALREADY_ACTIVE');

    const recovered = await sendToDrills(dashboard, '/drills/stop-replica/recover', {
      method: 'POST',
      headers: pageHeaders,
    });
    expect(recovered.status).toBe(200);
    expect(recovered.body.active).toBeNull();
    expect(await isPortOpen(host, Number(port))).toBe(true);
  });

  it('rejects a POST from another origin or without an origin', async () => {
    const cases: Record<string, string>[] = [
      { ...pageHeaders, origin: 'http://127.0.0.1:1' },
      { ...pageHeaders, origin: 'null' },
      { 'content-type': 'application/json' },
      { ...pageHeaders, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of cases) {
      const response = await sendToDrills(dashboard, '/drills/redis-outage', { method: 'POST', headers });

      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(response.body.code, JSON.stringify(headers)).toBe('DRILL_ORIGIN_REJECTED');
    }
    expect((await sendToDrills(dashboard, '/drills')).body.active).toBeNull();
  });

  it('rejects a form post from the dashboard origin', async () => {
    const response = await sendToDrills(dashboard, '/drills/redis-outage', {
      method: 'POST',
      headers: { ...pageHeaders, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'replica=api-1',
    });

    expect(response.status).toBe(415);
    expect(response.body.code).toBe('DRILL_CONTENT_TYPE_UNSUPPORTED');
  });

  it('rejects a Host that names no dashboard address', async () => {
    const response = await sendToDrills(dashboard, '/drills', { headers: { host: 'rebound.example:8088' } });

    expect(response.status).toBe(403);
    expect(response.body.code).toBe('DRILL_HOST_REJECTED');
  });

  it('rejects unknown drills, bad replicas and bad bodies with 4xx JSON', async () => {
    const post = (path: string, body?: string) =>
      sendToDrills(dashboard, path, {
        method: 'POST',
        headers: pageHeaders,
        ...(body === undefined ? {} : { body }),
      });

    const cases: [Promise<DrillResponse>, number, string][] = [
      [post('/drills/unplug-everything'), 404, 'DRILL_NOT_FOUND'],
      [post('/drills/stop-replica', '{"replica":"api-9"}'), 400, 'DRILL_REPLICA_INVALID'],
      [post('/drills/stop-replica'), 400, 'DRILL_REPLICA_INVALID'],
      [post('/drills/stop-replica', '{"replica":'), 400, 'DRILL_BODY_INVALID'],
      [post('/drills/stop-replica', '["api-1"]'), 400, 'DRILL_BODY_INVALID'],
      [post('/drills/auth-outage/recover'), 409, 'DRILL_NOT_ACTIVE'],
      [sendToDrills(dashboard, '/drills/stop-replica'), 405, 'DRILL_METHOD_NOT_ALLOWED'],
    ];
    for (const [pending, status, code] of cases) {
      const response = await pending;
      expect(response.status, code).toBe(status);
      expect(response.body.code, code).toBe(code);
      expect(DRILL_API_ERRORS[code as keyof typeof DRILL_API_ERRORS], code).toBe(status);
    }
    expect((await sendToDrills(dashboard, '/drills')).body.active).toBeNull();
  });

  it('rejects a body over 1 KiB in nginx', async () => {
    const response = await sendToDrills(dashboard, '/drills/stop-replica', {
      method: 'POST',
      headers: pageHeaders,
      body: JSON.stringify({ replica: 'api-1', padding: 'x'.repeat(2_000) }),
    });

    expect(response.status).toBe(413);
    expect(response.body.code).toBe('DRILL_BODY_TOO_LARGE');
  });
});
