import type { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { BALANCER_MODES, type BalancerMode } from '@authlab/balancer';
import type { ClusterDriver, ReplicaEndpoint } from '@authlab/cluster';
import { DEMO_CREDENTIALS } from '@authlab/users';
import {
  CompareRunError,
  checkBalancer,
  describeNetworkError,
  type RowProgress,
  sendAuthenticated,
  shuffle,
  signIn,
} from './compare.js';
import { CookieJar } from './cookie-jar.js';
import {
  DRILLS,
  type DrillDefinition,
  type DrillName,
  decideDrillVerdict,
  type PhaseCounts,
} from './drills.js';
import { buildClientAgent, readHeader, sendHttpRequest } from './http-client.js';
import { planSourceAddresses, type SourceAddressPlan } from './source-addresses.js';
import {
  type DrillPhase,
  isSessionStrategy,
  type RequestRecord,
  type RowSummary,
  type Strategy,
  summarizeRow,
} from './verdict.js';

/** Every strategy compare runs by default, in table order. */
export const ALL_STRATEGIES: readonly Strategy[] = Object.freeze([
  'jwt',
  'session-memory',
  'session-redis',
  'cookie-session',
  'basic',
]);

/** A running cluster as the matrix needs it: the listeners, and for drills the driver and the replicas. */
export interface MatrixTarget {
  /** Origin of each balancer mode to run. */
  readonly balancers: Readonly<Partial<Record<BalancerMode, string>>>;
  /** The replicas' own origins, for checking which sessions survive a drill. */
  readonly replicas?: readonly ReplicaEndpoint[];
  readonly driver?: ClusterDriver;
  readonly redisPersistent?: boolean;
}

export interface MatrixOptions {
  readonly target: MatrixTarget;
  readonly strategies?: readonly Strategy[];
  /**
   * Runs `basic` through every balancer mode. By default it runs through round-robin only, because it
   * keeps nothing on a replica and each of its requests costs a full password check.
   */
  readonly basicEveryMode?: boolean;
  /** Simulated clients per strategy and balancer mode. */
  readonly clients: number;
  /** Requests per client, in every phase of a drill. */
  readonly requestsPerClient: number;
  /** All clients behind one source address, as behind one NAT. */
  readonly sameNat?: boolean;
  /** Drills to run after the plain comparison, each on fresh sign-ins. */
  readonly drills?: readonly DrillName[];
  /** Replica the replica drills act on; by default the one that created the most sessions. */
  readonly drillReplica?: string;
  /** Leaves out the plain comparison, for `authlab drill`. */
  readonly drillsOnly?: boolean;
  readonly requestTimeoutMs?: number;
  readonly onProgress?: (progress: RowProgress) => void;
  /** Receives one line per drill step, for progress output. */
  readonly onNote?: (message: string) => void;
}

/** Requests of one row in one time slice of a run. */
export interface OutcomeBucket {
  /** Start of the slice, in milliseconds from the start of the run. */
  readonly startMs: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly errors: number;
}

/** One row of the matrix: a strategy through one balancer mode, in a plain run or in a drill. */
export interface MatrixRow extends RowSummary {
  /** The drill the row ran in, or null for the plain comparison. */
  readonly drill: DrillName | null;
  /** Requests per drill phase; null outside a drill. */
  readonly phases: Readonly<Record<DrillPhase, PhaseCounts>> | null;
  /** Sessions (or tokens) that some replica accepted before the drill; null when not measured. */
  readonly sessionsValidBefore: number | null;
  /** Of those, the ones that no replica accepts after the drill; null when not measured. */
  readonly sessionsLost: number | null;
  /** Whether the drill went as the lab expects for this strategy; null outside a drill. */
  readonly asExpected: boolean | null;
  readonly outcomesOverTime: readonly OutcomeBucket[];
}

/** A login tried through a listener while the auth service is down, and after it is back. */
export interface LoginProbe {
  readonly phase: DrillPhase;
  readonly balancerMode: BalancerMode;
  /** HTTP status, or null when no response arrived. */
  readonly status: number | null;
  readonly code: string | null;
  readonly retryAfter: string | null;
  readonly contentType: string | null;
}

/** The record of one run: the plain comparison, or one drill. */
export interface MatrixRun {
  readonly drill: DrillName | null;
  readonly summary: string;
  /** The replica a replica drill acted on. */
  readonly drillReplica: string | null;
  readonly startedAtMs: number;
  readonly durationMs: number;
  /** Drill steps in milliseconds from the start of the report. */
  readonly steps: readonly { readonly atMs: number; readonly action: string }[];
  readonly loginProbes: readonly LoginProbe[];
  readonly bucketMs: number;
  readonly rows: readonly MatrixRow[];
}

/** The JSON document of `compare --json` and `drill --json`; docs/report-format.md describes it. */
export interface MatrixReport {
  readonly kind: 'authlab-compare';
  readonly formatVersion: 1;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly clients: number;
  readonly requestsPerClient: number;
  readonly strategies: readonly Strategy[];
  readonly balancers: Readonly<Partial<Record<BalancerMode, string>>>;
  readonly sourceAddresses: SourceAddressPlan;
  /** Replicas that served at least one request, in name order. */
  readonly replicaIds: readonly string[];
  readonly redisPersistent: boolean | null;
  readonly runs: readonly MatrixRun[];
}

interface SimulatedClient {
  readonly index: number;
  readonly agent: Agent;
  readonly jar: CookieJar | undefined;
  authorization: string | undefined;
}

interface Pool {
  readonly mode: BalancerMode;
  readonly balancer: string;
  readonly strategy: Strategy;
  readonly cookieJar: boolean;
  readonly requestsPerClient: number;
  readonly clients: SimulatedClient[];
  readonly creators: (string | undefined)[];
  readonly requests: RequestRecord[];
}

const DEFAULTS = Object.freeze({
  requestTimeoutMs: 10_000,
  // Each basic request costs the replica a full scrypt check, so its clients send fewer.
  basicRequestsPerClient: 5,
  replicaReadyTimeoutMs: 20_000,
  bucketCount: 40,
  minBucketMs: 50,
});

/**
 * Runs every strategy through every balancer mode of `options.target`, then each drill: sign-ins, requests
 * before the fault, during it and after recovery, and a check of which sessions survived. Requests of one
 * row go one at a time in a random order of clients; rows run side by side within a drill phase, so that
 * every row sees the fault.
 */
export async function runMatrix(options: MatrixOptions): Promise<MatrixReport> {
  const startedAt = new Date();
  const clock = () => performance.now() - startMs;
  const startMs = performance.now();
  const modes = BALANCER_MODES.filter((mode) => options.target.balancers[mode] !== undefined);
  if (modes.length === 0) {
    throw new CompareRunError(
      'no balancer listener to compare: pass --url or start a cluster with authlab up',
    );
  }
  const timeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  for (const mode of modes) {
    await checkBalancer(options.target.balancers[mode]!, timeoutMs);
  }

  const strategies = options.strategies ?? ALL_STRATEGIES;
  const sourceAddresses = await planSourceAddresses(options.clients, options.sameNat ?? false);
  if (sourceAddresses.note) {
    options.onNote?.(sourceAddresses.note);
  }
  const context: RunContext = { options, modes, strategies, sourceAddresses, timeoutMs, clock };

  const runs: MatrixRun[] = [];
  if (!options.drillsOnly) {
    runs.push(await runPlain(context));
  }
  for (const drill of options.drills ?? []) {
    runs.push(await runDrill(context, DRILLS[drill]));
  }

  const replicaIds = new Set<string>();
  for (const run of runs) {
    for (const row of run.rows) {
      for (const id of Object.keys(row.servedBy)) {
        replicaIds.add(id);
      }
    }
  }
  return {
    kind: 'authlab-compare',
    formatVersion: 1,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(clock()),
    clients: options.clients,
    requestsPerClient: options.requestsPerClient,
    strategies,
    balancers: Object.fromEntries(modes.map((mode) => [mode, options.target.balancers[mode]!])),
    sourceAddresses,
    replicaIds: [...replicaIds].sort((left, right) => left.localeCompare(right, 'en', { numeric: true })),
    redisPersistent: options.target.redisPersistent ?? null,
    runs,
  };
}

interface RunContext {
  readonly options: MatrixOptions;
  readonly modes: readonly BalancerMode[];
  readonly strategies: readonly Strategy[];
  readonly sourceAddresses: SourceAddressPlan;
  readonly timeoutMs: number;
  readonly clock: () => number;
}

/** Runs the plain comparison: every row in turn, plus one round-robin client without a cookie jar. */
async function runPlain(context: RunContext): Promise<MatrixRun> {
  const startedAtMs = context.clock();
  const pools = await signInPools(context, true);
  try {
    for (const pool of pools) {
      await sendPhase(context, pool, undefined);
    }
  } finally {
    closePools(pools);
  }
  const rows = summarizePools(context, pools, startedAtMs);
  return {
    drill: null,
    summary: 'every strategy through every balancer mode, no fault',
    drillReplica: null,
    startedAtMs: Math.round(startedAtMs),
    durationMs: Math.round(context.clock() - startedAtMs),
    steps: [],
    loginProbes: [],
    bucketMs: rows.bucketMs,
    rows: rows.rows.map((row) => ({
      ...row,
      drill: null,
      phases: null,
      sessionsValidBefore: null,
      sessionsLost: null,
      asExpected: null,
    })),
  };
}

async function runDrill(context: RunContext, drill: DrillDefinition): Promise<MatrixRun> {
  const { options } = context;
  const driver = options.target.driver;
  if (driver === undefined) {
    throw new CompareRunError(
      `the ${drill.name} drill needs to control the cluster: start it with authlab up, or pass --cluster compose`,
    );
  }
  const note = (message: string) => options.onNote?.(`${drill.name}: ${message}`);
  const startedAtMs = context.clock();
  const steps: { atMs: number; action: string }[] = [];
  const step = (action: string) => {
    steps.push({ atMs: Math.round(context.clock()), action });
    note(action);
  };
  const loginProbes: LoginProbe[] = [];

  const pools = await signInPools(context, false);
  try {
    const target = options.drillReplica ?? chooseTarget(pools, options.target.replicas);
    const drillContext = {
      driver,
      target: target ?? 'api-1',
      waitForReplicas: () => waitForReplicas(options.target.replicas ?? [], context.timeoutMs),
    };

    await Promise.all(pools.map((pool) => sendPhase(context, pool, 'before')));
    const validBefore = await checkSessions(context, pools);

    if (drill.timing === 'between') {
      step(describeStep(drill, 'start', target));
      await drill.inject(drillContext);
      await Promise.all([
        ...pools.map((pool) => sendPhase(context, pool, 'during')),
        drill.probesLogin ? probeLogins(context, 'during', loginProbes) : Promise.resolve(),
      ]);
    } else {
      let injected: Promise<void> | undefined;
      const total = pools.reduce((sum, pool) => sum + pool.clients.length * pool.requestsPerClient, 0);
      let completed = 0;
      const onRequest = () => {
        completed += 1;
        if (injected === undefined && completed >= total / 3) {
          step(describeStep(drill, 'start', target));
          injected = drill.inject(drillContext);
        }
      };
      await Promise.all(pools.map((pool) => sendPhase(context, pool, 'during', onRequest)));
      await injected;
    }

    step(describeStep(drill, 'end', target));
    await drill.recover(drillContext);
    await Promise.all([
      ...pools.map((pool) => sendPhase(context, pool, 'after')),
      drill.probesLogin ? probeLogins(context, 'after', loginProbes) : Promise.resolve(),
    ]);
    const validAfter = await checkSessions(context, pools);

    const summaries = summarizePools(context, pools, startedAtMs);
    const rows = summaries.rows.map((row, index): MatrixRow => {
      const pool = pools[index]!;
      const phases = countPhases(pool, target);
      const before = validBefore[index]!;
      const after = validAfter[index]!;
      const measured = before !== null && after !== null;
      const sessionsValidBefore = measured ? before.filter(Boolean).length : null;
      const sessionsLost = measured ? before.filter((valid, client) => valid && !after[client]).length : null;
      const createdOnTarget = pool.creators.filter((creator) => creator === target).length;
      const { verdict, asExpected } = decideDrillVerdict({
        drill: drill.name,
        strategy: pool.strategy,
        target,
        phases,
        validBefore: sessionsValidBefore,
        sessionsLost,
        createdOnTarget,
        redisPersistent: options.target.redisPersistent,
      });
      return { ...row, drill: drill.name, phases, sessionsValidBefore, sessionsLost, asExpected, verdict };
    });

    return {
      drill: drill.name,
      summary: drill.summary,
      drillReplica: drill.actsOnReplica ? (target ?? null) : null,
      startedAtMs: Math.round(startedAtMs),
      durationMs: Math.round(context.clock() - startedAtMs),
      steps,
      loginProbes,
      bucketMs: summaries.bucketMs,
      rows,
    };
  } finally {
    closePools(pools);
  }
}

function describeStep(drill: DrillDefinition, edge: 'start' | 'end', target: string | undefined): string {
  const subject = drill.actsOnReplica ? ` on ${target}` : '';
  return `${edge === 'start' ? 'fault starts' : 'fault ends'}${subject}: ${drill.summary}`;
}

/** Signs in every client of every row; the plain run adds one round-robin client without a cookie jar. */
async function signInPools(context: RunContext, withCookielessRow: boolean): Promise<Pool[]> {
  const { options } = context;
  const plans: { mode: BalancerMode; strategy: Strategy; cookieJar: boolean; clients: number }[] = [];
  const basicModes = options.basicEveryMode ? context.modes : context.modes.slice(0, 1);
  for (const mode of context.modes) {
    for (const strategy of context.strategies) {
      if (strategy !== 'basic' || basicModes.includes(mode)) {
        plans.push({ mode, strategy, cookieJar: true, clients: options.clients });
      }
    }
  }
  if (
    withCookielessRow &&
    context.modes.includes('round-robin') &&
    context.strategies.includes('session-redis')
  ) {
    plans.push({ mode: 'round-robin', strategy: 'session-redis', cookieJar: false, clients: 1 });
  }

  const pools: Pool[] = [];
  try {
    for (const plan of plans) {
      const balancer = options.target.balancers[plan.mode]!;
      const pool: Pool = {
        mode: plan.mode,
        balancer,
        strategy: plan.strategy,
        cookieJar: plan.cookieJar,
        requestsPerClient:
          plan.strategy === 'basic'
            ? Math.min(options.requestsPerClient, DEFAULTS.basicRequestsPerClient)
            : options.requestsPerClient,
        clients: Array.from({ length: plan.clients }, (_, index) => ({
          index,
          agent: buildClientAgent(context.sourceAddresses.addresses[index]),
          jar: plan.cookieJar ? new CookieJar() : undefined,
          authorization: undefined,
        })),
        creators: [],
        requests: [],
      };
      pools.push(pool);
      await Promise.all(
        pool.clients.map(async (client) => {
          const login = await signIn(
            balancer,
            pool.strategy,
            client.index,
            client.agent,
            client.jar,
            context.timeoutMs,
          );
          pool.creators[client.index] = login.createdBy;
          client.authorization = login.authorization;
        }),
      );
    }
  } catch (error) {
    closePools(pools);
    throw error instanceof CompareRunError
      ? new CompareRunError(`${error.message} (through the ${pools.at(-1)?.mode} listener)`, { cause: error })
      : error;
  }
  return pools;
}

function closePools(pools: readonly Pool[]): void {
  for (const pool of pools) {
    for (const client of pool.clients) {
      client.agent.destroy();
    }
  }
}

/** Sends each client's requests of one phase, one at a time in a random order of clients. */
async function sendPhase(
  context: RunContext,
  pool: Pool,
  phase: DrillPhase | undefined,
  onRequest?: () => void,
): Promise<void> {
  const label = `${pool.mode} ${pool.cookieJar ? pool.strategy : `${pool.strategy}, no cookie jar`}${phase ? ` (${phase})` : ''}`;
  const order = shuffle(
    pool.clients.flatMap((client) => Array.from({ length: pool.requestsPerClient }, () => client.index)),
  );
  const records: RequestRecord[] = [];
  const report = (finished: boolean) => {
    const accepted = records.filter((record) => record.status === 200).length;
    const rejected = records.filter((record) => record.status === 401 || record.status === 403).length;
    context.options.onProgress?.({
      label,
      completedRequests: records.length,
      totalRequests: order.length,
      accepted,
      rejected,
      errors: records.length - accepted - rejected,
      finished,
    });
  };

  for (const index of order) {
    const client = pool.clients[index]!;
    const record = await sendAuthenticated(
      pool.balancer,
      pool.strategy,
      index,
      client.agent,
      client.jar,
      client.authorization,
      context.timeoutMs,
    );
    const stamped: RequestRecord = {
      ...record,
      atMs: Math.round(context.clock()),
      ...(phase ? { phase } : {}),
    };
    records.push(stamped);
    pool.requests.push(stamped);
    onRequest?.();
    report(false);
  }
  report(true);
}

function summarizePools(
  context: RunContext,
  pools: readonly Pool[],
  runStartedAtMs: number,
): { rows: (RowSummary & { outcomesOverTime: OutcomeBucket[] })[]; bucketMs: number } {
  // The time axis spans the requests only: the sign-ins before them can take far longer (one scrypt
  // derivation each) and would squeeze the requests into the last few slices.
  const times = pools.flatMap((pool) => pool.requests.map((record) => record.atMs ?? runStartedAtMs));
  const startedAtMs = times.length === 0 ? runStartedAtMs : Math.min(...times);
  const endMs = times.length === 0 ? context.clock() : Math.max(...times) + 1;
  const bucketMs = Math.max(
    DEFAULTS.minBucketMs,
    Math.ceil((endMs - startedAtMs) / DEFAULTS.bucketCount / DEFAULTS.minBucketMs) * DEFAULTS.minBucketMs,
  );
  const replicaIds = new Set(
    pools.flatMap((pool) => pool.requests.map((record) => record.servedBy)).filter(Boolean),
  );
  // The cluster's replica count when its replicas are known. Otherwise the replicas this run reached,
  // which undercounts when a mode such as ip-hash behind one NAT reaches only one of them.
  const replicaCount = Math.max(replicaIds.size, context.options.target.replicas?.length ?? 0);
  const outcomes = pools.map((pool) => bucketOutcomes(pool.requests, startedAtMs, endMs, bucketMs));
  const rows = pools.map((pool, index) => ({
    ...summarizeRow(
      {
        strategy: pool.strategy,
        balancerMode: pool.mode,
        cookieJar: pool.cookieJar,
        clients: pool.clients.length,
        requestsPerClient: pool.requestsPerClient,
        requests: pool.requests,
        creators: pool.creators,
      },
      replicaCount,
    ),
    outcomesOverTime: outcomes[index]!,
  }));
  return { rows, bucketMs };
}

function bucketOutcomes(
  requests: readonly RequestRecord[],
  startMs: number,
  endMs: number,
  bucketMs: number,
): OutcomeBucket[] {
  const count = Math.max(1, Math.ceil((endMs - startMs) / bucketMs));
  const buckets = Array.from({ length: count }, (_, index) => ({
    startMs: Math.round(startMs + index * bucketMs),
    accepted: 0,
    rejected: 0,
    errors: 0,
  }));
  for (const record of requests) {
    const index = Math.min(
      count - 1,
      Math.max(0, Math.floor(((record.atMs ?? startMs) - startMs) / bucketMs)),
    );
    const bucket = buckets[index]!;
    if (record.status === 200) {
      bucket.accepted += 1;
    } else if (record.status === 401 || record.status === 403) {
      bucket.rejected += 1;
    } else {
      bucket.errors += 1;
    }
  }
  return buckets;
}

function countPhases(pool: Pool, target: string | undefined): Record<DrillPhase, PhaseCounts> {
  const count = (phase: DrillPhase): PhaseCounts => {
    const records = pool.requests.filter((record) => record.phase === phase);
    const accepted = records.filter((record) => record.status === 200).length;
    const rejected = records.filter((record) => record.status === 401 || record.status === 403).length;
    return {
      requests: records.length,
      accepted,
      rejected,
      errors: records.length - accepted - rejected,
      serverErrors: records.filter((record) => record.status !== undefined && record.status >= 500).length,
      unavailableWithRetryAfter: records.filter(
        (record) => record.status === 503 && record.retryAfter !== undefined,
      ).length,
      servedByTarget: records.filter((record) => record.servedBy === target).length,
      rejectedByTarget: records.filter(
        (record) => record.servedBy === target && (record.status === 401 || record.status === 403),
      ).length,
    };
  };
  return { before: count('before'), during: count('during'), after: count('after') };
}

/**
 * Picks the replica that created the most sessions, so that a replica drill touches as many sessions as
 * it can. Without any session creator it picks the first replica.
 */
function chooseTarget(
  pools: readonly Pool[],
  replicas: readonly ReplicaEndpoint[] | undefined,
): string | undefined {
  const counts = new Map<string, number>();
  for (const pool of pools) {
    if (!isSessionStrategy(pool.strategy)) {
      continue;
    }
    for (const creator of pool.creators) {
      if (creator !== undefined && creator !== 'auth' && creator !== 'none') {
        counts.set(creator, (counts.get(creator) ?? 0) + 1);
      }
    }
  }
  const ranked = [...counts].sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0]));
  return ranked[0]?.[0] ?? replicas?.[0]?.id;
}

/**
 * Returns, per pool and client, whether some replica accepts the client's session or token now: each
 * replica is asked directly when their URLs are known, else the pool's listener is asked a few times.
 * Null for rows that have nothing to lose (`basic`, or a client without a cookie jar).
 */
async function checkSessions(context: RunContext, pools: readonly Pool[]): Promise<(boolean[] | null)[]> {
  const replicas = context.options.target.replicas ?? [];
  return Promise.all(
    pools.map(async (pool) => {
      if (pool.strategy === 'basic' || !pool.cookieJar) {
        return null;
      }
      // NOTE: without the replicas' own URLs (a compose cluster without published replica ports) a memory
      // session is checked six times through its listener. Under round-robin with three replicas all six
      // miss its creator with a probability of (2/3)^6, about 9 %, and the session then counts as lost.
      const origins =
        replicas.length > 0 ? replicas.map((replica) => replica.url) : Array(6).fill(pool.balancer);
      return Promise.all(
        pool.clients.map(async (client) => {
          for (const origin of origins) {
            const record = await sendAuthenticated(
              origin,
              pool.strategy,
              client.index,
              client.agent,
              client.jar,
              client.authorization,
              context.timeoutMs,
            );
            if (record.status === 200) {
              return true;
            }
          }
          return false;
        }),
      );
    }),
  );
}

/**
 * Tries a login with the first demo user's real password through every listener and records what the
 * balancer returned. A wrong password would count towards the login throttle of that account.
 */
async function probeLogins(context: RunContext, phase: DrillPhase, probes: LoginProbe[]): Promise<void> {
  const agent = buildClientAgent();
  try {
    for (const mode of context.modes) {
      const url = `${context.options.target.balancers[mode]}/auth/login`;
      try {
        const result = await sendHttpRequest(agent, {
          method: 'POST',
          url,
          json: DEMO_CREDENTIALS[0],
          timeoutMs: context.timeoutMs,
        });
        let code: string | null = null;
        try {
          const body = JSON.parse(result.body) as { code?: unknown };
          code = typeof body.code === 'string' ? body.code : null;
        } catch {
          code = null;
        }
        probes.push({
          phase,
          balancerMode: mode,
          status: result.status,
          code,
          retryAfter: readHeader(result.headers, 'retry-after') ?? null,
          contentType: readHeader(result.headers, 'content-type') ?? null,
        });
      } catch (error) {
        context.options.onNote?.(`login probe through ${mode} failed: ${describeNetworkError(error)}`);
        probes.push({
          phase,
          balancerMode: mode,
          status: null,
          code: null,
          retryAfter: null,
          contentType: null,
        });
      }
    }
  } finally {
    agent.destroy();
  }
}

/** Waits until every replica's /readyz returns 200, as after Redis comes back. */
async function waitForReplicas(replicas: readonly ReplicaEndpoint[], timeoutMs: number): Promise<void> {
  const agent = buildClientAgent();
  const deadline = performance.now() + DEFAULTS.replicaReadyTimeoutMs;
  try {
    for (const replica of replicas) {
      for (;;) {
        try {
          const result = await sendHttpRequest(agent, {
            method: 'GET',
            url: `${replica.url}/readyz`,
            timeoutMs,
          });
          if (result.status === 200) {
            break;
          }
        } catch {
          // Not ready yet: try again below.
        }
        if (performance.now() > deadline) {
          throw new CompareRunError(
            `${replica.id} was not ready within ${DEFAULTS.replicaReadyTimeoutMs} ms after the fault ended`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    agent.destroy();
  }
}
