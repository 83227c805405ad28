import type { BenchPath, BenchRow } from './bench-row.js';
import { type BenchCounter, type BenchProgress, type BenchRunResult, runBench } from './bench-runner.js';
import { type KdfRate, measureKdfRate } from './kdf-rate.js';
import { type BenchCredentials, buildEndpointRows, type LabEndpoint } from './lab-rows.js';
import type { LoadResult } from './load-options.js';
import { describeMachine, type MachineDescription } from './machine.js';
import { runLoad } from './run-load.js';

/** Length and repetition of one part of the bench. */
export interface PhaseSettings {
  readonly rounds: number;
  readonly durationMs: number;
  readonly warmupMs: number;
}

export interface LabBenchPlan {
  readonly endpoints: readonly LabEndpoint[];
  readonly credentials: BenchCredentials;
  /** The main table: every row of every endpoint, after an unmeasured pass of `warmupPassMs` per row. */
  readonly main: PhaseSettings & { readonly connections: number; readonly warmupPassMs?: number };
  /** Connection counts for the concurrency sweep, run on the rows of `sweepPath`; none when empty. */
  readonly concurrencySweep?: PhaseSettings & { readonly connections: readonly number[] };
  /** Extra session bytes for the session-size sweep, on the rows that support it; none when empty. */
  readonly sessionSizeSweep?: PhaseSettings & {
    readonly connections: number;
    readonly sessionBytes: readonly number[];
  };
  /** Path whose rows the sweeps run on. Default: `balancer`. */
  readonly sweepPath?: BenchPath;
  /** Login throughput beside the KDF rate; left out when absent. */
  readonly login?: {
    readonly url: string;
    readonly connections: number;
    readonly durationMs: number;
    readonly warmupMs: number;
  };
  readonly maxRequestsPerRow: number;
  readonly timeoutMs: number;
  readonly counters?: readonly BenchCounter[];
  readonly onProgress?: (event: LabBenchProgress) => void;
}

export type LabBenchProgress =
  | { readonly phase: string; readonly event: BenchProgress }
  | { readonly phase: string; readonly message: string };

/** Results of one sweep: one full bench run per value of the swept parameter. */
export interface SweepResult {
  readonly parameter: 'connections' | 'sessionBytes';
  readonly points: readonly { readonly value: number; readonly run: BenchRunResult }[];
}

/** Login throughput beside the rate of the password KDF, which bounds it. */
export interface LoginResult {
  readonly url: string;
  readonly connections: number;
  readonly load: Omit<LoadResult, 'histogram'>;
  readonly kdf: KdfRate;
  /** Logins per second divided by KDF derivations per second. */
  readonly ratioToKdf: number;
  /**
   * `GET /basic/me` with `Authorization: Basic`, which checks the password on every request, measured the
   * same way; absent where the route does not exist.
   */
  readonly basic?: { readonly load: Omit<LoadResult, 'histogram'>; readonly ratioToKdf: number };
}

export interface BenchReport {
  /** Format version of this object, raised when a field changes meaning. */
  readonly version: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineDescription;
  /** Load average (1 minute) before and after the run: other work on the machine skews absolute numbers. */
  readonly loadAverage: { readonly before: number; readonly after: number };
  readonly command?: string;
  readonly main: BenchRunResult;
  readonly concurrencySweep?: SweepResult;
  readonly sessionSizeSweep?: SweepResult;
  readonly login?: LoginResult;
}

function rowsOfPath(rows: readonly BenchRow[], path: BenchPath): BenchRow[] {
  return rows.filter((row) => row.path === path);
}

/**
 * Runs the whole bench against a running cluster: the main table, the concurrency and session-size
 * sweeps, and login throughput beside the KDF rate. Parts whose settings are absent are skipped.
 */
export async function runLabBench(plan: LabBenchPlan, command?: string): Promise<BenchReport> {
  const startedAt = new Date();
  const machine = await describeMachine();
  const rows = plan.endpoints.flatMap((endpoint) => buildEndpointRows(endpoint, plan.credentials));
  const common = {
    maxRequestsPerRow: plan.maxRequestsPerRow,
    timeoutMs: plan.timeoutMs,
    ...(plan.counters ? { counters: plan.counters } : {}),
  };

  const main = await runBench({
    ...common,
    rows,
    rounds: plan.main.rounds,
    connections: plan.main.connections,
    durationMs: plan.main.durationMs,
    warmupMs: plan.main.warmupMs,
    ...(plan.main.warmupPassMs ? { warmupPassMs: plan.main.warmupPassMs } : {}),
    onProgress: (event) => plan.onProgress?.({ phase: 'main', event }),
  });

  const sweepPath = plan.sweepPath ?? 'balancer';
  const sweepRows = rowsOfPath(rows, sweepPath).filter(
    (row) => !main.rows.find((summary) => summary.id === row.id)?.unavailable,
  );

  let concurrencySweep: SweepResult | undefined;
  if (plan.concurrencySweep && plan.concurrencySweep.connections.length > 0 && sweepRows.length > 0) {
    const points = [];
    for (const connections of plan.concurrencySweep.connections) {
      const run = await runBench({
        ...common,
        rows: sweepRows,
        rounds: plan.concurrencySweep.rounds,
        connections,
        durationMs: plan.concurrencySweep.durationMs,
        warmupMs: plan.concurrencySweep.warmupMs,
        onProgress: (event) => plan.onProgress?.({ phase: `concurrency ${connections}`, event }),
      });
      points.push({ value: connections, run });
    }
    concurrencySweep = { parameter: 'connections', points };
  }

  let sessionSizeSweep: SweepResult | undefined;
  const sizeRows = rows.filter(
    (row) =>
      (row.supportsSessionBytes || row.strategy === 'none') &&
      !main.rows.find((summary) => summary.id === row.id)?.unavailable,
  );
  const sizeRowsWithData = sizeRows.filter((row) => row.strategy !== 'none');
  if (plan.sessionSizeSweep && plan.sessionSizeSweep.sessionBytes.length > 0 && sizeRowsWithData.length > 0) {
    // The sweep runs on the sweep path and the peer only, so it stays a few minutes long.
    const paths = new Set(
      sizeRowsWithData.map((row) => row.path).filter((path) => path === sweepPath || path === 'peer'),
    );
    const rowsInSweep = sizeRows.filter((row) => paths.has(row.path));
    const points = [];
    for (const sessionBytes of plan.sessionSizeSweep.sessionBytes) {
      const run = await runBench({
        ...common,
        rows: rowsInSweep,
        rounds: plan.sessionSizeSweep.rounds,
        connections: plan.sessionSizeSweep.connections,
        durationMs: plan.sessionSizeSweep.durationMs,
        warmupMs: plan.sessionSizeSweep.warmupMs,
        sessionBytes,
        onProgress: (event) => plan.onProgress?.({ phase: `session size ${sessionBytes} B`, event }),
      });
      points.push({ value: sessionBytes, run });
    }
    sessionSizeSweep = { parameter: 'sessionBytes', points };
  }

  const login = plan.login ? await measureLogin(plan, plan.login) : undefined;

  return {
    version: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    loadAverage: { before: machine.loadAverage1m, after: (await describeMachine()).loadAverage1m },
    ...(command ? { command } : {}),
    main,
    ...(concurrencySweep ? { concurrencySweep } : {}),
    ...(sessionSizeSweep ? { sessionSizeSweep } : {}),
    ...(login ? { login } : {}),
  };
}

async function measureLogin(
  plan: LabBenchPlan,
  settings: NonNullable<LabBenchPlan['login']>,
): Promise<LoginResult> {
  plan.onProgress?.({ phase: 'login', message: 'measuring the scrypt rate of this machine' });
  const kdf = await measureKdfRate({ durationMs: settings.durationMs });

  plan.onProgress?.({
    phase: 'login',
    message: `measuring POST /auth/login with ${settings.connections} connections`,
  });
  const { histogram: _histogram, ...load } = await runLoad({
    url: settings.url,
    requests: [
      {
        method: 'POST',
        path: '/auth/login',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(plan.credentials),
      },
    ],
    connections: settings.connections,
    durationMs: settings.durationMs,
    warmupMs: settings.warmupMs,
    maxRequests: plan.maxRequestsPerRow,
    timeoutMs: plan.timeoutMs,
  });

  const basic = await measureBasic(plan, settings);
  const ratio = (requestsPerSecond: number) =>
    kdf.derivationsPerSecond > 0 ? requestsPerSecond / kdf.derivationsPerSecond : 0;
  return {
    url: settings.url,
    connections: settings.connections,
    load,
    kdf,
    ratioToKdf: ratio(load.requestsPerSecond),
    ...(basic ? { basic: { load: basic, ratioToKdf: ratio(basic.requestsPerSecond) } } : {}),
  };
}

/** Measures `GET /basic/me`, or returns undefined when the target has no such route. */
async function measureBasic(
  plan: LabBenchPlan,
  settings: NonNullable<LabBenchPlan['login']>,
): Promise<Omit<LoadResult, 'histogram'> | undefined> {
  const { username, password } = plan.credentials;
  const headers = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  const probe = await runLoad({
    url: settings.url,
    requests: [{ method: 'GET', path: '/basic/me', headers }],
    connections: 1,
    durationMs: 1,
    warmupMs: 0,
    maxRequests: 1,
    timeoutMs: plan.timeoutMs,
  });
  if (probe.errorsByKind['status 404'] !== undefined) {
    plan.onProgress?.({
      phase: 'login',
      message: 'GET /basic/me is not measured: the target has no such route',
    });
    return undefined;
  }

  plan.onProgress?.({
    phase: 'login',
    message: `measuring GET /basic/me with ${settings.connections} connections`,
  });
  const { histogram: _histogram, ...load } = await runLoad({
    url: settings.url,
    requests: [{ method: 'GET', path: '/basic/me', headers }],
    connections: settings.connections,
    durationMs: settings.durationMs,
    warmupMs: settings.warmupMs,
    maxRequests: plan.maxRequestsPerRow,
    timeoutMs: plan.timeoutMs,
  });
  return load;
}
