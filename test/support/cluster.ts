import { type ClusterHandle, startLocalCluster } from '@authlab/cluster';

/** Cluster providers the cross-service tests can run against, chosen with LAB_CLUSTER. */
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
  const provider = readProvider(process.env.LAB_CLUSTER);
  if (provider === 'compose') {
    // TODO: the compose provider (docker compose through testcontainers) is not written yet, so only the
    // local cluster can run these tests.
    throw new Error('LAB_CLUSTER=compose has no provider yet: run the tests with LAB_CLUSTER=local or unset');
  }

  return startLocalCluster({
    replicaCount: options.replicaCount ?? 3,
    freePorts: true,
    stopGraceMs: 3_000,
    readyTimeoutMs: 20_000,
  });
}

function readProvider(value: string | undefined): ClusterProvider {
  if (value === undefined || value === '' || value === 'local') {
    return 'local';
  }
  if (value === 'compose') {
    return 'compose';
  }
  throw new Error(`LAB_CLUSTER must be local or compose, got ${JSON.stringify(value)}`);
}
