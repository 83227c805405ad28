import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterHandle } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster } from '../support/cluster.js';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

interface ReportRow {
  label: string;
  balancerMode: string;
  requests: number;
  accepted: number;
  rejected: number;
  errors: number;
  servedBy: Record<string, number>;
  createdBy: Record<string, number>;
  imbalance: number | null;
  busiestShare: number | null;
  reachedOtherReplica: number;
  outcome: string;
  verdict: string;
}

interface Report {
  kind: string;
  sourceAddresses: { kind: string };
  runs: { drill: string | null; rows: ReportRow[] }[];
}

/** Runs the built CLI with `args` and collects its exit status and output. */
function runCli(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // No state file: the test names every listener itself and must not meet a cluster of authlab up.
    const env = { ...process.env, AUTHLAB_STATE_FILE: '/nonexistent/authlab-cluster.json' };
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    // The basic row costs one scrypt check per request, about 0.65 s each on two cores.
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function listenerArguments(cluster: ClusterHandle): string[] {
  const balancers = cluster.urls.balancers!;
  return [
    '--url',
    balancers['round-robin']!,
    '--ip-hash-url',
    balancers['ip-hash']!,
    '--cookie-hash-url',
    balancers['cookie-hash']!,
    '--sticky-route-url',
    balancers['sticky-route']!,
  ];
}

describe('authlab compare --json', () => {
  let cluster: ClusterHandle;
  let folder: string;
  let result: { status: number | null; stdout: string; stderr: string };
  let report: Report;
  let rows: Map<string, ReportRow>;
  let clientSideRows: Map<string, ReportRow>;

  beforeAll(async () => {
    cluster = await startTestCluster();
    folder = await mkdtemp(join(tmpdir(), 'authlab-compare-'));
    result = await runCli([
      'compare',
      '--json',
      ...listenerArguments(cluster),
      '--strategies',
      'jwt,session-memory,session-redis',
      '--clients',
      '6',
      '--requests',
      '15',
      '--html',
      join(folder, 'report.html'),
    ]);
    report = JSON.parse(result.stdout) as Report;
    rows = new Map(report.runs[0]!.rows.map((row) => [`${row.balancerMode} ${row.label}`, row]));

    // cookie-session and basic keep nothing on a replica, so round-robin alone shows them; basic is slow.
    const clientSide = await runCli([
      'compare',
      '--json',
      ...listenerArguments(cluster),
      '--modes',
      'round-robin',
      '--strategies',
      'cookie-session,basic',
    ]);
    expect(clientSide.status).toBe(0);
    clientSideRows = new Map(
      (JSON.parse(clientSide.stdout) as Report).runs[0]!.rows.map((row) => [row.label, row]),
    );
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('exits with 0 and prints progress on stderr', () => {
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('round-robin jwt: 90/90 requests, 90 accepted, 0 rejected, 0 errors');
  });

  it('runs every strategy through every balancer mode', () => {
    expect(report.kind).toBe('authlab-compare');
    expect(report.sourceAddresses.kind).toBe('distinct-networks');
    expect(report.runs).toHaveLength(1);
    expect([...rows.keys()]).toEqual([
      'round-robin jwt',
      'round-robin session-memory',
      'round-robin session-redis',
      'ip-hash jwt',
      'ip-hash session-memory',
      'ip-hash session-redis',
      'cookie-hash jwt',
      'cookie-hash session-memory',
      'cookie-hash session-redis',
      'sticky-route jwt',
      'sticky-route session-memory',
      'sticky-route session-redis',
      'round-robin session-redis, no cookie jar',
    ]);
  });

  it('accepts every JWT and Redis session in every mode', () => {
    for (const [name, row] of rows) {
      if (name.endsWith(' jwt') || name.endsWith(' session-redis')) {
        expect(row.rejected, name).toBe(0);
        expect(row.errors, name).toBe(0);
      }
    }
    expect(rows.get('round-robin jwt')!.outcome).toBe('works-on-every-replica');
    expect(Object.keys(rows.get('round-robin session-redis')!.servedBy)).toEqual([...cluster.replicaIds]);
  });

  it('rejects memory sessions on other replicas under round-robin', () => {
    const row = rows.get('round-robin session-memory')!;
    const share = row.rejected / row.requests;

    expect(row.errors).toBe(0);
    expect(row.outcome).toBe('pinned-to-creator');
    // A replica that does not know the session rejects it but keeps the cookie, so exactly the requests
    // that reach another replica fail: about (N-1)/N of them.
    expect(row.rejected).toBe(row.reachedOtherReplica);
    expect(share).toBeGreaterThan(0.5);
    expect(share).toBeLessThan(0.8);
    expect(row.verdict).toContain(
      'reached another replica and were rejected (expected about 2/3 with 3 replicas)',
    );
  });

  it('keeps memory sessions on their creator with ip-hash and sticky-route', () => {
    for (const mode of ['ip-hash', 'sticky-route']) {
      const row = rows.get(`${mode} session-memory`)!;

      expect(row.rejected, mode).toBe(0);
      expect(row.reachedOtherReplica, mode).toBe(0);
    }
    expect(rows.get('sticky-route session-memory')!.outcome).toBe('kept-on-creator');
  });

  it('signs every cookie-hash client in on one replica', () => {
    const row = rows.get('cookie-hash session-memory')!;

    expect(Object.keys(row.createdBy)).toHaveLength(1);
  });

  it('accepts every encrypted cookie session on every replica', () => {
    const row = clientSideRows.get('cookie-session')!;

    expect(row.accepted).toBe(180);
    expect(row.rejected).toBe(0);
    expect(row.errors).toBe(0);
    expect(Object.keys(row.servedBy)).toEqual([...cluster.replicaIds]);
    expect(row.outcome).toBe('works-on-every-replica');
  });

  it('accepts basic credentials on every replica', () => {
    const row = clientSideRows.get('basic')!;

    // compare sends at most 5 basic requests per client, because each one costs a full password check.
    expect(row.requests).toBe(30);
    expect(row.accepted).toBe(30);
    expect(row.errors).toBe(0);
    expect(Object.keys(row.servedBy)).toEqual([...cluster.replicaIds]);
    expect(row.outcome).toBe('works-on-every-replica');
  });

  it('rejects every request of the client without a cookie jar', () => {
    const row = rows.get('round-robin session-redis, no cookie jar')!;

    expect(row.requests).toBe(15);
    expect(row.accepted).toBe(0);
    expect(row.rejected).toBe(15);
    expect(row.outcome).toBe('rejected-without-cookie');
  });

  it('writes a self-contained HTML report', async () => {
    const html = await readFile(join(folder, 'report.html'), 'utf8');

    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).toContain('Requests per replica');
    expect(html).not.toMatch(/<script|<link|src="http/);
  });

  it('pins every client behind one address to one replica in ip-hash mode', async () => {
    const sameNat = await runCli([
      'compare',
      '--json',
      ...listenerArguments(cluster),
      '--modes',
      'ip-hash',
      '--strategies',
      'jwt',
      '--requests',
      '5',
      '--same-nat',
    ]);
    const sameNatReport = JSON.parse(sameNat.stdout) as Report;
    const row = sameNatReport.runs[0]!.rows[0]!;

    expect(sameNat.status).toBe(0);
    expect(sameNatReport.sourceAddresses.kind).toBe('same-nat');
    expect(Object.keys(row.servedBy)).toHaveLength(1);
    expect(row.busiestShare).toBe(1);
  });
});
