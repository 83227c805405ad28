import { availableParallelism } from 'node:os';
import { RowUnavailableError } from './bench-row.js';
import { type IpHashBalancer, startIpHashBalancer } from './ip-hash-balancer.js';
import { type BenchReport, type LabBenchPlan, type LabBenchProgress, runLabBench } from './lab-bench.js';
import { type BenchCredentials, detectJwtAlgorithm, type LabEndpoint } from './lab-rows.js';
import { findListeningProcessIds, isListening } from './listening-processes.js';
import { parseLoopbackTarget } from './loopback.js';
import { type PeerApp, startPeer } from './peer.js';
import { buildRedisCommandCounter, type RedisCommandCounter } from './redis-counter.js';

/** How long and how often a run measures: `full` for the report, `quick` to prove every row runs. */
export type BenchProfile = 'full' | 'quick';

/** Addresses of the local cluster's parts when it runs with its defaults (see docs/architecture.md). */
export const CLUSTER_DEFAULTS = Object.freeze({
  balancerUrl: 'http://127.0.0.1:8080',
  authUrl: 'http://127.0.10.1:4000',
  redisUrl: 'redis://127.0.12.1:6379',
  /** Replica N listens on 127.0.11.N:3000. */
  replicaAddressPrefix: '127.0.11.',
  replicaPort: 3000,
  maxReplicas: 9,
});

/** Settings of each profile. `full` takes about ten minutes with three replicas, `quick` well under one. */
export const BENCH_PROFILES: Readonly<
  Record<
    BenchProfile,
    Omit<LabBenchPlan, 'endpoints' | 'credentials' | 'login'> & {
      readonly login: { readonly durationMs: number; readonly warmupMs: number };
    }
  >
> = Object.freeze({
  full: {
    main: { rounds: 5, connections: 50, durationMs: 3_000, warmupMs: 1_000, warmupPassMs: 3_000 },
    concurrencySweep: { rounds: 3, connections: [1, 10, 50, 200], durationMs: 2_000, warmupMs: 500 },
    sessionSizeSweep: {
      rounds: 2,
      connections: 50,
      sessionBytes: [0, 1_024, 2_048, 4_096, 8_192, 16_384],
      durationMs: 2_000,
      warmupMs: 500,
    },
    login: { durationMs: 10_000, warmupMs: 1_000 },
    maxRequestsPerRow: 5_000_000,
    timeoutMs: 10_000,
  },
  quick: {
    main: { rounds: 2, connections: 4, durationMs: 400, warmupMs: 100, warmupPassMs: 200 },
    concurrencySweep: { rounds: 1, connections: [1, 4], durationMs: 300, warmupMs: 100 },
    sessionSizeSweep: {
      rounds: 1,
      connections: 4,
      sessionBytes: [0, 2_048],
      durationMs: 300,
      warmupMs: 100,
    },
    login: { durationMs: 2_000, warmupMs: 0 },
    maxRequestsPerRow: 1_000_000,
    timeoutMs: 5_000,
  },
});

export interface ClusterBenchOptions {
  /** Origin of the balancer's `round-robin` listener. */
  readonly balancerUrl: string;
  /** Origins of every replica; the first is also measured directly. Default: the local cluster's layout. */
  readonly replicaUrls?: readonly string[];
  /** Origin of the auth service, for the `ip-hash` balancer the bench starts. */
  readonly authUrl?: string;
  /** The cluster's Redis: the peer app keeps its sessions there and the bench counts its commands. */
  readonly redisUrl?: string;
  /**
   * Origin of a balancer listener in `ip-hash` mode, for `session-memory` through nginx. When absent the
   * bench starts its own nginx from the lab's template with such a listener.
   */
  readonly ipHashUrl?: string;
  readonly profile: BenchProfile;
  /** Overrides of the main table's settings. */
  readonly durationSeconds?: number;
  readonly rounds?: number;
  readonly connections?: number;
  /** Measures the tutorial-style peer app too. Default true. */
  readonly peer?: boolean;
  /** Runs the main table only: no concurrency or session-size sweep, no login or Basic measurement. */
  readonly mainOnly?: boolean;
  readonly credentials: BenchCredentials;
  /** The command line, recorded in the report so a reader can run it again. */
  readonly command?: string;
  readonly onProgress?: (event: LabBenchProgress) => void;
}

/** Finds the replicas of a local cluster in its default layout: 127.0.11.N:3000 with a listening socket. */
export async function findDefaultReplicaUrls(): Promise<string[]> {
  const urls: string[] = [];
  for (let index = 1; index <= CLUSTER_DEFAULTS.maxReplicas; index += 1) {
    const url = `http://${CLUSTER_DEFAULTS.replicaAddressPrefix}${index}:${CLUSTER_DEFAULTS.replicaPort}`;
    if (await isListening(url)) {
      urls.push(url);
    }
  }
  return urls;
}

function toHttpOrigin(redisUrl: string): string {
  const url = new URL(redisUrl);
  return `http://${url.host}`;
}

async function findPids(urls: readonly string[]): Promise<number[]> {
  const lists = await Promise.all(urls.map((url) => findListeningProcessIds(url)));
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

/**
 * Runs the bench against a running cluster: through the balancer, through an `ip-hash` listener for
 * `session-memory`, straight to one replica, and against the peer app, which it starts and stops itself.
 */
export async function runClusterBench(options: ClusterBenchOptions): Promise<BenchReport> {
  const balancerUrl = parseLoopbackTarget(options.balancerUrl).origin;
  const authUrl = parseLoopbackTarget(options.authUrl ?? CLUSTER_DEFAULTS.authUrl).origin;
  const redisUrl = options.redisUrl ?? CLUSTER_DEFAULTS.redisUrl;
  parseLoopbackTarget(toHttpOrigin(redisUrl));
  const replicaUrls = (options.replicaUrls ?? (await findDefaultReplicaUrls())).map(
    (url) => parseLoopbackTarget(url).origin,
  );
  if (replicaUrls.length === 0) {
    throw new Error(
      `no replica listens on ${CLUSTER_DEFAULTS.replicaAddressPrefix}N:${CLUSTER_DEFAULTS.replicaPort}: start the cluster with authlab up, or pass the replicas' URLs`,
    );
  }
  const directReplicaUrl = replicaUrls[0]!;

  const profile = BENCH_PROFILES[options.profile];
  const main = {
    ...profile.main,
    ...(options.rounds !== undefined ? { rounds: options.rounds } : {}),
    ...(options.connections !== undefined ? { connections: options.connections } : {}),
    ...(options.durationSeconds !== undefined ? { durationMs: options.durationSeconds * 1000 } : {}),
  };

  const note = (message: string) => options.onProgress?.({ phase: 'setup', message });
  let peer: PeerApp | undefined;
  let ipHashBalancer: IpHashBalancer | undefined;
  let counter: RedisCommandCounter | undefined;
  try {
    let ipHashUrl = options.ipHashUrl;
    if (ipHashUrl === undefined) {
      note('starting an nginx with an ip-hash listener for session-memory');
      ipHashBalancer = await startIpHashBalancer({ replicaUrls, authUrl });
      ipHashUrl = ipHashBalancer.url;
    }
    if (options.peer ?? true) {
      note('starting the peer app');
      peer = await startPeer({ redisUrl });
    }
    counter = buildRedisCommandCounter(redisUrl);

    // The replicas verify either HS256 or asymmetric tokens, as the cluster was started, so one sign-in
    // shows which JWT row this run measures.
    let jwtAlgorithm: string | undefined;
    try {
      jwtAlgorithm = await detectJwtAlgorithm(balancerUrl, options.credentials);
      note(`the cluster signs access tokens with ${jwtAlgorithm}`);
    } catch (error) {
      if (!(error instanceof RowUnavailableError)) {
        throw error;
      }
    }
    const jwtSettings = jwtAlgorithm === undefined ? {} : { jwtAlgorithm };

    const replicaPids = await findPids(replicaUrls);
    const directReplicaPids = await findPids([directReplicaUrl]);
    const nginxPids = await findPids([balancerUrl]);
    const ipHashNginxPids = await findPids([ipHashUrl]);
    const redisPids = await findPids([toHttpOrigin(redisUrl)]);
    const peerPids = peer ? await findPids([peer.url]) : [];

    const endpoints: LabEndpoint[] = [
      {
        path: 'balancer',
        url: balancerUrl,
        strategies: ['jwt', 'session-redis', 'cookie-session'],
        sessionDataStrategies: ['cookie-session'],
        ...jwtSettings,
        cpuGroups: () => ({ replicas: replicaPids, nginx: nginxPids, redis: redisPids }),
      },
      {
        path: 'balancer-ip-hash',
        url: ipHashUrl,
        sessionMemoryUrl: ipHashUrl,
        strategies: ['session-memory'],
        cpuGroups: () => ({ replicas: replicaPids, nginx: ipHashNginxPids, redis: redisPids }),
      },
      {
        path: 'replica',
        url: directReplicaUrl,
        sessionMemoryUrl: directReplicaUrl,
        loginUrl: balancerUrl,
        strategies: ['jwt', 'session-memory', 'session-redis', 'cookie-session'],
        ...jwtSettings,
        cpuGroups: () => ({ replica: directReplicaPids, redis: redisPids }),
      },
    ];
    if (peer) {
      endpoints.push({
        path: 'peer',
        url: peer.url,
        strategies: ['jwt', 'session-redis'],
        sessionBytesStrategies: ['jwt', 'session-redis'],
        cpuGroups: () => ({ peer: peerPids, redis: redisPids }),
      });
    }

    const { concurrencySweep, sessionSizeSweep, login, ...settings } = profile;
    return await runLabBench(
      {
        ...settings,
        ...(options.mainOnly ? {} : { concurrencySweep, sessionSizeSweep }),
        main,
        endpoints,
        credentials: options.credentials,
        ...(options.mainOnly
          ? {}
          : {
              login: {
                url: balancerUrl,
                connections: 2 * availableParallelism(),
                ...login,
              },
            }),
        counters: [counter],
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
      options.command,
    );
  } finally {
    await counter?.close();
    await peer?.stop();
    await ipHashBalancer?.stop();
  }
}
