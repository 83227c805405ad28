import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClusterHandle } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster } from '../support/cluster.js';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

interface ReportRow {
  label: string;
  requests: number;
  accepted: number;
  rejected: number;
  errors: number;
  servedBy: Record<string, number>;
  reachedOtherReplica: number;
  outcome: string;
  verdict: string;
}

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
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('authlab compare --json', () => {
  let cluster: ClusterHandle;
  let result: { status: number | null; stdout: string; stderr: string };
  let rows: Map<string, ReportRow>;

  beforeAll(async () => {
    cluster = await startTestCluster();
    result = await runCli([
      'compare',
      '--json',
      '--url',
      cluster.urls.balancer,
      '--clients',
      '6',
      '--requests',
      '30',
    ]);
    const report = JSON.parse(result.stdout) as { rows: ReportRow[]; replicaIds: string[] };
    rows = new Map(report.rows.map((row) => [row.label, row]));
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('exits with 0 and prints progress on stderr', () => {
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('jwt: 180/180 requests, 180 accepted, 0 rejected, 0 errors');
  });

  it('accepts every JWT on every replica', () => {
    const row = rows.get('jwt')!;

    expect(row.rejected).toBe(0);
    expect(row.errors).toBe(0);
    expect(row.accepted).toBe(180);
    expect(Object.keys(row.servedBy)).toEqual([...cluster.replicaIds]);
    expect(row.outcome).toBe('works-on-every-replica');
  });

  it('accepts every Redis session on every replica', () => {
    const row = rows.get('session-redis')!;

    expect(row.rejected).toBe(0);
    expect(row.errors).toBe(0);
    expect(Object.keys(row.servedBy)).toEqual([...cluster.replicaIds]);
    expect(row.outcome).toBe('works-on-every-replica');
  });

  it('pins memory sessions to the replica that created them', () => {
    const row = rows.get('session-memory')!;
    const share = row.reachedOtherReplica / row.requests;

    expect(row.errors).toBe(0);
    expect(Object.keys(row.servedBy)).toEqual([...cluster.replicaIds]);
    expect(row.outcome).toBe('pinned-to-creator');
    // About 2/3 of the requests reach a replica that does not know the session. Those are all rejected, and
    // the 401 also deletes the cookie, so the rejected share is at least as large.
    expect(share).toBeGreaterThan(0.5);
    expect(share).toBeLessThan(0.8);
    expect(row.rejected).toBeGreaterThanOrEqual(row.reachedOtherReplica);
    expect(row.verdict).toContain('expected about 2/3 with 3 replicas');
  });

  it('rejects every request of the client without a cookie jar', () => {
    const row = rows.get('session-redis, no cookie jar')!;

    expect(row.requests).toBe(30);
    expect(row.accepted).toBe(0);
    expect(row.rejected).toBe(30);
    expect(row.outcome).toBe('rejected-without-cookie');
  });
});
