import { type ClusterHandle, startLocalCluster } from '@authlab/cluster';
import { COMPOSE_REPLICA_IDS, probeComposeSupport, startComposeCluster } from './compose-cluster.js';

/**
 * Cluster providers the cross-service tests can run against, chosen with LAB_CLUSTER: `local`, `compose`,
 * or `auto` (the default), which takes compose where a Docker engine is reachable and the compose command
 * works.
 */
export type ClusterProvider = 'local' | 'compose';

export interface TestClusterOptions {
  /** Number of replicas. Default 3. */
  readonly replicaCount?: number;
}

/**
 * Starts a cluster for one test file, on free ports so that it never meets a running demo. Tests use only
 * the returned handle, so the same test runs against any provider. Stop it in `afterAll`.
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<ClusterHandle> {
  const provider = await chooseProvider(process.env.LAB_CLUSTER);
  if (provider === 'compose') {
    const replicaCount = options.replicaCount ?? COMPOSE_REPLICA_IDS.length;
    if (replicaCount !== COMPOSE_REPLICA_IDS.length) {
      throw new Error(
        `the compose cluster has ${COMPOSE_REPLICA_IDS.length} replicas, but the test asks for ${replicaCount}: run it with LAB_CLUSTER=local`,
      );
    }
    return startComposeCluster();
  }

  return startLocalCluster({
    replicaCount: options.replicaCount ?? 3,
    freePorts: true,
    stopGraceMs: 3_000,
    readyTimeoutMs: 20_000,
  });
}

/**
 * Resolves LAB_CLUSTER to a provider. A forced `compose` that cannot run fails the test file with the
 * reason, so such a run never passes in silence.
 */
async function chooseProvider(value: string | undefined): Promise<ClusterProvider> {
  if (value === 'local') {
    return 'local';
  }
  if (value === 'compose') {
    const support = await probeComposeSupport();
    if (!support.available) {
      throw new Error(
        `LAB_CLUSTER=compose, but the compose cluster cannot start: ${support.reason}. Unset LAB_CLUSTER to run on the local cluster.`,
      );
    }
    return 'compose';
  }
  if (value === undefined || value === '' || value === 'auto') {
    return (await probeComposeSupport()).available ? 'compose' : 'local';
  }
  throw new Error(`LAB_CLUSTER must be auto, local or compose, got ${JSON.stringify(value)}`);
}
