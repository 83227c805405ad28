import type { BenchPath, BenchRow, PreparedLoad } from './bench-row.js';
import { RowUnavailableError } from './bench-row.js';
import type { LatencySummary, LoadResult } from './load-options.js';
import { cpuMicrosPerRequest, sampleCpu } from './process-cpu.js';
import { runLoad } from './run-load.js';
import { type Spread, summarise } from './statistics.js';

/** A counter read before and after each row, such as the commands Redis has processed. */
export interface BenchCounter {
  /** Name in the report, for example `redis commands`. */
  readonly name: string;
  read(): Promise<number | undefined>;
}

export interface BenchRunOptions {
  readonly rows: readonly BenchRow[];
  readonly rounds: number;
  readonly connections: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly maxRequestsPerRow: number;
  readonly timeoutMs: number;
  /** Extra session or token data for every row that supports it; 0 for the main table. */
  readonly sessionBytes?: number;
  /**
   * Length of an unmeasured pass over every row before the first round. Freshly started processes run
   * slower until the JIT compiler has seen their hot paths, and each replica behind a balancer sees only
   * part of the load, so one row's own warm-up is not enough. No pass when absent or 0.
   */
  readonly warmupPassMs?: number;
  readonly counters?: readonly BenchCounter[];
  readonly onProgress?: (event: BenchProgress) => void;
}

export type BenchProgress =
  | {
      readonly kind: 'row-start';
      readonly round: number;
      readonly rounds: number;
      readonly rowId: string;
      readonly step: number;
      readonly steps: number;
    }
  | {
      readonly kind: 'row-done';
      readonly round: number;
      readonly rowId: string;
      readonly result: RoundMeasurement;
    }
  | { readonly kind: 'row-prepare'; readonly rowId: string }
  | { readonly kind: 'warmup-pass'; readonly rowId: string }
  | { readonly kind: 'row-unavailable'; readonly rowId: string; readonly reason: string };

/** Measurement of one row in one round. */
export interface RoundMeasurement {
  readonly round: number;
  readonly requestsPerSecond: number;
  readonly latency: LatencySummary;
  readonly successes: number;
  readonly errors: number;
  readonly errorsByKind: Readonly<Record<string, number>>;
  /** CPU microseconds per request of each process group, where /proc could be read. */
  readonly cpuMicrosPerRequest: Readonly<Record<string, number>>;
  /** Increase of each counter per request. */
  readonly countersPerRequest: Readonly<Record<string, number>>;
  /** Throughput divided by the baseline's throughput in the same round. */
  readonly ratioToBaseline: number | undefined;
}

export interface RowSummary {
  readonly id: string;
  readonly strategy: string;
  readonly path: BenchPath;
  readonly baselineId: string;
  readonly url: string;
  readonly description: string;
  /** Set when the row could not run, with the reason. */
  readonly unavailable?: string;
  readonly rounds: readonly RoundMeasurement[];
  readonly requestsPerSecond?: Spread;
  readonly p50Micros?: Spread;
  readonly p99Micros?: Spread;
  readonly ratioToBaseline?: Spread;
  readonly cpuMicrosPerRequest: Readonly<Record<string, Spread>>;
  readonly countersPerRequest: Readonly<Record<string, Spread>>;
  readonly errors: number;
  readonly errorsByKind: Readonly<Record<string, number>>;
}

export interface BenchRunResult {
  readonly connections: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly rounds: number;
  readonly sessionBytes: number;
  readonly rows: readonly RowSummary[];
}

/** Rotates the row order by one place per round, so no row always runs first or right after another. */
function orderForRound<T>(rows: readonly T[], round: number): T[] {
  const shift = round % Math.max(rows.length, 1);
  return [...rows.slice(shift), ...rows.slice(0, shift)];
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [kind, count] of Object.entries(from)) {
    into[kind] = (into[kind] ?? 0) + count;
  }
}

function summariseKeyed(
  measurements: readonly RoundMeasurement[],
  pick: (measurement: RoundMeasurement) => Readonly<Record<string, number>>,
): Record<string, Spread> {
  const keys = new Set(measurements.flatMap((measurement) => Object.keys(pick(measurement))));
  const summary: Record<string, Spread> = {};
  for (const key of keys) {
    const spread = summarise(measurements.map((measurement) => pick(measurement)[key] ?? Number.NaN));
    if (spread) {
      summary[key] = spread;
    }
  }
  return summary;
}

async function readCounters(counters: readonly BenchCounter[]): Promise<Record<string, number | undefined>> {
  const values: Record<string, number | undefined> = {};
  for (const counter of counters) {
    values[counter.name] = await counter.read().catch(() => undefined);
  }
  return values;
}

async function measureRow(
  row: BenchRow,
  prepared: PreparedLoad,
  options: BenchRunOptions,
): Promise<Omit<RoundMeasurement, 'round' | 'ratioToBaseline'>> {
  const groups = row.cpuGroups?.() ?? {};
  const cpuBefore = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, sampleCpu(pids)]));
  const countersBefore = await readCounters(options.counters ?? []);

  const result: LoadResult = await runLoad({
    url: row.url,
    requests: prepared.requests,
    ...(prepared.localAddresses ? { localAddresses: prepared.localAddresses } : {}),
    connections: options.connections,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    maxRequests: options.maxRequestsPerRow,
    timeoutMs: options.timeoutMs,
    expectedStatus: prepared.expectedStatus ?? 200,
  });

  const cpu: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups)) {
    const perRequest = cpuMicrosPerRequest(cpuBefore[name]!, sampleCpu(pids), result.allRequests);
    if (perRequest !== undefined) {
      cpu[name] = perRequest;
    }
  }

  const countersAfter = await readCounters(options.counters ?? []);
  const counters: Record<string, number> = {};
  for (const [name, before] of Object.entries(countersBefore)) {
    const after = countersAfter[name];
    if (before !== undefined && after !== undefined && result.allRequests > 0) {
      counters[name] = (after - before) / result.allRequests;
    }
  }

  return {
    requestsPerSecond: result.requestsPerSecond,
    latency: result.latency,
    successes: result.successes,
    errors: result.errors,
    errorsByKind: result.errorsByKind,
    cpuMicrosPerRequest: cpu,
    countersPerRequest: counters,
  };
}

/**
 * Measures every row in `rounds` rounds. Rows are interleaved (each round runs every row once, in an order
 * rotated per round), so slow drift of the machine, such as other work starting, hits all rows alike.
 * The ratio to the baseline is taken per round, then summarised, so it compares runs minutes apart at most.
 */
export async function runBench(options: BenchRunOptions): Promise<BenchRunResult> {
  if (!Number.isInteger(options.rounds) || options.rounds < 1) {
    throw new RangeError(`rounds must be a positive integer, got ${options.rounds}`);
  }

  const sessionBytes = options.sessionBytes ?? 0;
  const prepared = new Map<string, PreparedLoad>();
  const unavailable = new Map<string, string>();
  for (const row of options.rows) {
    try {
      options.onProgress?.({ kind: 'row-prepare', rowId: row.id });
      prepared.set(row.id, await row.prepare({ connections: options.connections, sessionBytes }));
    } catch (error) {
      // One row that cannot sign in, for example because a 16 KB token exceeds a server's header limit,
      // must not cost the rows already measured: it is reported with its reason instead.
      const reason =
        error instanceof RowUnavailableError ? error.message : `setup failed: ${(error as Error).message}`;
      unavailable.set(row.id, reason);
      options.onProgress?.({ kind: 'row-unavailable', rowId: row.id, reason });
    }
  }

  const runnable = options.rows.filter((row) => prepared.has(row.id));
  if (options.warmupPassMs) {
    for (const row of runnable) {
      options.onProgress?.({ kind: 'warmup-pass', rowId: row.id });
      await measureRow(row, prepared.get(row.id)!, {
        ...options,
        durationMs: options.warmupPassMs,
        warmupMs: 0,
        counters: [],
      });
    }
  }

  const measurements = new Map<string, RoundMeasurement[]>(runnable.map((row) => [row.id, []]));
  const steps = runnable.length * options.rounds;
  let step = 0;

  for (let round = 0; round < options.rounds; round += 1) {
    const measuredThisRound = new Map<string, Omit<RoundMeasurement, 'round' | 'ratioToBaseline'>>();
    for (const row of orderForRound(runnable, round)) {
      step += 1;
      options.onProgress?.({ kind: 'row-start', round, rounds: options.rounds, rowId: row.id, step, steps });
      measuredThisRound.set(row.id, await measureRow(row, prepared.get(row.id)!, options));
    }

    for (const row of runnable) {
      const own = measuredThisRound.get(row.id)!;
      const baseline = measuredThisRound.get(row.baselineId);
      const ratioToBaseline =
        baseline && baseline.requestsPerSecond > 0
          ? own.requestsPerSecond / baseline.requestsPerSecond
          : undefined;
      const measurement: RoundMeasurement = { ...own, round, ratioToBaseline };
      measurements.get(row.id)!.push(measurement);
      options.onProgress?.({ kind: 'row-done', round, rowId: row.id, result: measurement });
    }
  }

  const rows = options.rows.map((row): RowSummary => {
    const rounds = measurements.get(row.id) ?? [];
    const errorsByKind: Record<string, number> = {};
    for (const measurement of rounds) {
      addCounts(errorsByKind, measurement.errorsByKind);
    }
    return {
      id: row.id,
      strategy: row.strategy,
      path: row.path,
      baselineId: row.baselineId,
      url: row.url,
      description: row.description,
      ...(unavailable.has(row.id) ? { unavailable: unavailable.get(row.id)! } : {}),
      rounds,
      requestsPerSecond: summarise(rounds.map((measurement) => measurement.requestsPerSecond)),
      p50Micros: summarise(rounds.map((measurement) => measurement.latency.p50Micros)),
      p99Micros: summarise(rounds.map((measurement) => measurement.latency.p99Micros)),
      ratioToBaseline: summarise(rounds.map((measurement) => measurement.ratioToBaseline ?? Number.NaN)),
      cpuMicrosPerRequest: summariseKeyed(rounds, (measurement) => measurement.cpuMicrosPerRequest),
      countersPerRequest: summariseKeyed(rounds, (measurement) => measurement.countersPerRequest),
      errors: rounds.reduce((sum, measurement) => sum + measurement.errors, 0),
      errorsByKind,
    };
  });

  return {
    connections: options.connections,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    rounds: options.rounds,
    sessionBytes,
    rows,
  };
}
