import type { RedisServer } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../test/support/redis.js';
import { type BenchReport, runLabBench } from '../src/lab-bench.js';
import { findListeningProcessIds } from '../src/listening-processes.js';
import { type PeerApp, startPeer } from '../src/peer.js';
import { buildRedisCommandCounter, type RedisCommandCounter } from '../src/redis-counter.js';
import { renderHtmlReport } from '../src/report/html.js';
import { renderTerminalReport } from '../src/report/terminal.js';

// A short run of the whole bench against the peer app alone: it proves every part produces numbers.
// Timing is not asserted: the machine is shared.
describe('runLabBench against the peer app', () => {
  let redis: RedisServer;
  let peer: PeerApp;
  let counter: RedisCommandCounter;
  let report: BenchReport;

  beforeAll(async () => {
    redis = await startTestRedis();
    peer = await startPeer({ redisUrl: redis.url });
    counter = buildRedisCommandCounter(redis.url);
    const pids = await findListeningProcessIds(peer.url);

    report = await runLabBench({
      endpoints: [
        {
          path: 'peer',
          url: peer.url,
          strategies: ['jwt', 'session-redis'],
          sessionBytesStrategies: ['jwt', 'session-redis'],
          cpuGroups: () => ({ peer: pids }),
        },
      ],
      credentials: { username: 'alice', password: 'alice-in-the-lab' },
      main: { rounds: 2, connections: 4, durationMs: 300, warmupMs: 100 },
      concurrencySweep: { rounds: 1, connections: [1, 4], durationMs: 200, warmupMs: 50 },
      sessionSizeSweep: {
        rounds: 1,
        connections: 2,
        sessionBytes: [0, 20_000],
        durationMs: 200,
        warmupMs: 50,
      },
      sweepPath: 'peer',
      login: { url: peer.url, connections: 2, durationMs: 600, warmupMs: 0 },
      maxRequestsPerRow: 100_000,
      timeoutMs: 5_000,
      counters: [counter],
    });
  }, 120_000);

  afterAll(async () => {
    await counter?.close();
    await peer?.stop();
    await redis?.stop();
  });

  it('measures every row in every round', () => {
    const ids = report.main.rows.map((row) => row.id);

    expect(ids).toEqual(['peer/baseline', 'peer/jwt', 'peer/session-redis']);
    for (const row of report.main.rows) {
      expect(row.unavailable).toBeUndefined();
      expect(row.rounds).toHaveLength(2);
      expect(row.errors).toBe(0);
      expect(row.requestsPerSecond?.median).toBeGreaterThan(0);
      expect(row.p99Micros?.median).toBeGreaterThan(0);
      expect(row.ratioToBaseline?.median).toBeGreaterThan(0);
    }
  });

  it('charges CPU time to the peer process', () => {
    const jwt = report.main.rows.find((row) => row.id === 'peer/jwt')!;

    expect(jwt.cpuMicrosPerRequest.peer?.median).toBeGreaterThan(0);
  });

  it('counts Redis commands per session request', () => {
    const session = report.main.rows.find((row) => row.id === 'peer/session-redis')!;
    const baseline = report.main.rows.find((row) => row.id === 'peer/baseline')!;

    expect(session.countersPerRequest['redis commands']?.median).toBeGreaterThanOrEqual(1);
    expect(baseline.countersPerRequest['redis commands']?.median).toBeLessThan(0.1);
  });

  it('runs both sweeps at every point', () => {
    expect(report.concurrencySweep?.points.map((point) => point.value)).toEqual([1, 4]);
    expect(report.sessionSizeSweep?.points.map((point) => point.value)).toEqual([0, 20_000]);
    for (const point of [...report.concurrencySweep!.points, report.sessionSizeSweep!.points[0]!]) {
      expect(point.run.rows.every((row) => (row.requestsPerSecond?.median ?? 0) > 0)).toBe(true);
    }
  });

  it('reports a token too large for the server instead of failing', () => {
    const largest = report.sessionSizeSweep!.points[1]!.run.rows;
    const jwt = largest.find((row) => row.id === 'peer/jwt');
    const session = largest.find((row) => row.id === 'peer/session-redis');

    expect(jwt?.unavailable).toMatch(
      /^setup failed: GET http:\/\/127\.0\.13\.1:\d+\/jwt\/me while preparing the bench returned 431$/,
    );
    expect(session?.requestsPerSecond?.median).toBeGreaterThan(0);
  });

  it('measures logins beside the KDF rate', () => {
    expect(report.login?.kdf.derivationsPerSecond).toBeGreaterThan(0);
    expect(report.login?.load.errors).toBe(0);
  });

  it('renders the terminal and HTML reports', () => {
    const text = renderTerminalReport(report);
    const html = renderHtmlReport(report);

    expect(text).toContain('peer/session-redis');
    expect(text).toContain('Concurrency sweep');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src=/);
  });
});
