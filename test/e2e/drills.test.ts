import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ClusterHandle,
  type SupervisorControl,
  startLocalCluster,
  startSupervisorControl,
} from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster } from '../support/cluster.js';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

interface PhaseCounts {
  requests: number;
  accepted: number;
  rejected: number;
  errors: number;
  serverErrors: number;
  unavailableWithRetryAfter: number;
  servedByTarget: number;
  rejectedByTarget: number;
}

interface DrillRow {
  balancerMode: string;
  strategy: string;
  label: string;
  createdBy: Record<string, number>;
  phases: { before: PhaseCounts; during: PhaseCounts; after: PhaseCounts };
  sessionsValidBefore: number | null;
  sessionsLost: number | null;
  asExpected: boolean;
  verdict: string;
}

interface DrillRun {
  drill: string;
  drillReplica: string | null;
  steps: { atMs: number; action: string }[];
  loginProbes: {
    phase: string;
    balancerMode: string;
    status: number | null;
    code: string | null;
    retryAfter: string | null;
  }[];
  rows: DrillRow[];
}

/**
 * Runs `authlab drill <name> --json` against the cluster announced in `stateFile`, with few clients: each
 * sign-in costs the cluster one scrypt derivation, which dominates a drill's time on two cores.
 */
function runDrill(
  stateFile: string,
  name: string,
  options: { modes: string; strategies: string; clients?: number },
): Promise<{ status: number | null; run: DrillRun; stderr: string }> {
  const args = [
    CLI,
    'drill',
    name,
    '--json',
    '--modes',
    options.modes,
    '--strategies',
    options.strategies,
    '--clients',
    String(options.clients ?? 3),
    '--requests',
    '8',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AUTHLAB_STATE_FILE: stateFile },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      try {
        const report = JSON.parse(stdout) as { runs: DrillRun[] };
        resolve({ status, run: report.runs[0]!, stderr });
      } catch {
        reject(new Error(`authlab drill ${name} printed no report (status ${status}): ${stderr}`));
      }
    });
  });
}

function rowsOf(run: DrillRun, strategy: string): DrillRow[] {
  return run.rows.filter((row) => row.strategy === strategy);
}

function describeUnexpected(run: DrillRun): string[] {
  return run.rows
    .filter((row) => !row.asExpected)
    .map((row) => `${row.balancerMode} ${row.label}: ${row.verdict}`);
}

describe('drills on the local cluster', () => {
  let cluster: ClusterHandle;
  let control: SupervisorControl;
  let folder: string;

  beforeAll(async () => {
    cluster = await startTestCluster();
    folder = await mkdtemp(join(tmpdir(), 'authlab-drills-'));
    control = await startSupervisorControl(cluster, { stateFile: join(folder, 'cluster.json') });
  }, 120_000);

  afterAll(async () => {
    await control?.stop();
    await cluster?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('restart-replica loses exactly the memory sessions of that replica', async () => {
    const { status, run } = await runDrill(control.stateFile, 'restart-replica', {
      modes: 'round-robin,cookie-hash',
      strategies: 'jwt,session-memory,session-redis',
    });

    expect(status).toBe(0);
    expect(describeUnexpected(run)).toEqual([]);
    const target = run.drillReplica!;
    for (const row of rowsOf(run, 'session-memory')) {
      expect(row.sessionsLost, row.balancerMode).toBe(row.createdBy[target] ?? 0);
    }
    for (const row of [...rowsOf(run, 'jwt'), ...rowsOf(run, 'session-redis')]) {
      expect(row.sessionsLost, `${row.balancerMode} ${row.strategy}`).toBe(0);
    }
    // The cookie-hash listener signs every client in on one replica, which the drill then restarts.
    expect(rowsOf(run, 'session-memory').some((row) => (row.sessionsLost ?? 0) > 0)).toBe(true);
  }, 120_000);

  it('stop-replica answers no request in flight with 5xx', async () => {
    const { status, run } = await runDrill(control.stateFile, 'stop-replica', {
      modes: 'round-robin,sticky-route',
      strategies: 'jwt,session-redis',
    });

    expect(status).toBe(0);
    for (const row of run.rows) {
      expect(row.phases.during.serverErrors, `${row.balancerMode} ${row.label}`).toBe(0);
      expect(row.phases.during.errors, `${row.balancerMode} ${row.label}`).toBe(0);
    }
    expect(run.steps.map((step) => step.action)).toEqual([
      expect.stringMatching(/^fault starts on api-\d/),
      expect.stringMatching(/^fault ends on api-\d/),
    ]);
  }, 120_000);

  it('secret-mismatch fails exactly the share of that replica', async () => {
    const { status, run } = await runDrill(control.stateFile, 'secret-mismatch', {
      modes: 'round-robin',
      strategies: 'jwt,session-redis',
    });

    expect(status).toBe(0);
    expect(describeUnexpected(run)).toEqual([]);
    const roundRobinJwt = run.rows.find(
      (row) => row.balancerMode === 'round-robin' && row.strategy === 'jwt',
    )!;
    expect(roundRobinJwt.phases.during.servedByTarget).toBeGreaterThan(0);
    expect(roundRobinJwt.phases.during.rejected).toBe(roundRobinJwt.phases.during.servedByTarget);
    expect(roundRobinJwt.phases.after.rejected).toBe(0);
  }, 120_000);

  it('auth-outage keeps issued tokens working and login answers JSON 502 or 503', async () => {
    const { status, run } = await runDrill(control.stateFile, 'auth-outage', {
      modes: 'round-robin,ip-hash',
      strategies: 'jwt',
      clients: 2,
    });

    expect(status).toBe(0);
    expect(describeUnexpected(run)).toEqual([]);
    const during = run.loginProbes.filter((probe) => probe.phase === 'during');
    const after = run.loginProbes.filter((probe) => probe.phase === 'after');
    expect(during).toHaveLength(2);
    for (const probe of during) {
      expect([502, 503]).toContain(probe.status);
      expect(probe.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(probe.retryAfter).toMatch(/^\d+$/);
    }
    for (const probe of after) {
      expect(probe.status).toBe(200);
    }
  }, 120_000);

  it('redis-outage answers 503 and loses every Redis session without persistence', async () => {
    const { status, run } = await runDrill(control.stateFile, 'redis-outage', {
      modes: 'round-robin',
      strategies: 'jwt,session-redis',
    });

    expect(status).toBe(0);
    expect(describeUnexpected(run)).toEqual([]);
    for (const row of rowsOf(run, 'session-redis')) {
      expect(row.phases.during.unavailableWithRetryAfter).toBe(row.phases.during.requests);
      expect(row.sessionsLost).toBe(row.sessionsValidBefore);
      expect(row.verdict).toContain('--redis-persistent keeps them');
    }
    for (const row of rowsOf(run, 'jwt')) {
      expect(row.phases.during.accepted).toBe(row.phases.during.requests);
    }
  }, 120_000);
});

describe('redis-outage with a persistent Redis', () => {
  let cluster: ClusterHandle;
  let control: SupervisorControl;
  let folder: string;

  beforeAll(async () => {
    cluster = await startLocalCluster({
      freePorts: true,
      redisPersistent: true,
      stopGraceMs: 3_000,
      readyTimeoutMs: 20_000,
    });
    folder = await mkdtemp(join(tmpdir(), 'authlab-drills-'));
    control = await startSupervisorControl(cluster, { stateFile: join(folder, 'cluster.json') });
  }, 120_000);

  afterAll(async () => {
    await control?.stop();
    await cluster?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('keeps every Redis session across the restart', async () => {
    const { status, run } = await runDrill(control.stateFile, 'redis-outage', {
      modes: 'round-robin',
      strategies: 'session-redis',
    });

    expect(status).toBe(0);
    expect(describeUnexpected(run)).toEqual([]);
    for (const row of rowsOf(run, 'session-redis')) {
      expect(row.sessionsValidBefore).toBe(3);
      expect(row.sessionsLost).toBe(0);
      expect(row.verdict).toContain('append-only file');
    }
  }, 120_000);
});
