import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterHandle } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../packages/bench/src/index.js';
import { startTestCluster } from '../support/cluster.js';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

/** Upper bound of the quick bench run; it takes about half a minute on two busy cores. */
const BENCH_TIMEOUT_MS = 100_000;

/** Runs the built CLI with `args` and collects its exit status and output. */
function runCli(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), BENCH_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

// A short bench against a real cluster: it proves that every row runs and produces numbers. It asserts
// no timing, because the numbers of a short run on a shared machine say nothing.
describe('authlab bench --quick', () => {
  let cluster: ClusterHandle;
  let folder: string;
  let result: { status: number | null; stdout: string; stderr: string };
  let report: BenchReport;

  beforeAll(async () => {
    cluster = await startTestCluster();
    folder = await mkdtemp(join(tmpdir(), 'authlab-bench-test-'));
    result = await runCli([
      'bench',
      '--quick',
      '--json',
      '--html',
      join(folder, 'report.html'),
      '--url',
      cluster.urls.balancer,
      ...cluster.urls.replicas.flatMap((replica) => ['--replica-url', replica.url]),
      '--auth-url',
      cluster.urls.auth,
      '--redis-url',
      cluster.urls.redis,
    ]);
    report = JSON.parse(result.stdout) as BenchReport;
  }, BENCH_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await cluster?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('exits with status 0', () => {
    const unmeasured = result.stderr.split('\n').filter((line) => line.includes('is not measured'));

    expect(unmeasured).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('measures every row of the main table', () => {
    const ids = report.main.rows.map((row) => row.id);

    expect(ids).toEqual([
      'balancer/baseline',
      'balancer/jwt',
      'balancer/session-redis',
      'balancer/cookie-session',
      'balancer-ip-hash/baseline',
      'balancer-ip-hash/session-memory',
      'replica/baseline',
      'replica/jwt',
      'replica/session-memory',
      'replica/session-redis',
      'replica/cookie-session',
      'peer/baseline',
      'peer/jwt',
      'peer/session-redis',
    ]);
    for (const row of report.main.rows) {
      expect(row.unavailable, row.id).toBeUndefined();
      expect(row.errors, row.id).toBe(0);
      expect(row.rounds, row.id).toHaveLength(2);
      expect(row.requestsPerSecond?.median, row.id).toBeGreaterThan(0);
      expect(row.p99Micros?.median, row.id).toBeGreaterThan(0);
      expect(row.ratioToBaseline?.median, row.id).toBeGreaterThan(0);
    }
  });

  it('charges CPU time to the replicas', () => {
    const jwt = report.main.rows.find((row) => row.id === 'replica/jwt');

    expect(jwt?.cpuMicrosPerRequest.replica?.median).toBeGreaterThan(0);
  });

  it('counts one Redis lookup per session-redis request', () => {
    const session = report.main.rows.find((row) => row.id === 'replica/session-redis');

    expect(session?.countersPerRequest['redis commands']?.median).toBeGreaterThanOrEqual(1);
  });

  it('runs both sweeps and the login measurement', () => {
    expect(report.concurrencySweep?.points.map((point) => point.value)).toEqual([1, 4]);
    expect(report.sessionSizeSweep?.points.map((point) => point.value)).toEqual([0, 2048]);
    expect(report.login?.load.successes).toBeGreaterThan(0);
    expect(report.login?.kdf.derivationsPerSecond).toBeGreaterThan(0);
    expect(report.login?.basic?.load.successes).toBeGreaterThan(0);
  });

  it('writes a self-contained HTML report', async () => {
    const html = await readFile(join(folder, 'report.html'), 'utf8');

    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).toContain('balancer-ip-hash/session-memory');
    expect(html).not.toMatch(/<script|<link|\ssrc=/);
  });
});
