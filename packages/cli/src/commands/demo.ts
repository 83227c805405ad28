import { type ClusterHandle, startLocalCluster } from '@authlab/cluster';
import { buildSigningOptions, type ClusterArguments, type CompareArguments } from '../arguments.js';
import { describeCurlExamples, describeRunningCluster } from '../cluster-summary.js';
import { type CliIo, listenForStopSignals } from '../terminal.js';
import { runCompareCommand } from './compare.js';

/**
 * Runs `authlab demo`: starts the local cluster, runs compare once, prints what to try next and keeps the
 * cluster up until SIGINT or SIGTERM (or stops at once with `once`).
 */
export async function runDemoCommand(
  options: ClusterArguments & CompareArguments & { readonly once: boolean; readonly logs: boolean },
  io: CliIo,
): Promise<number> {
  const signals = listenForStopSignals(function forceStop() {
    io.stderr.write('authlab: second signal, killing every process of the cluster\n');
    process.exit(130);
  });

  let cluster: ClusterHandle | undefined;
  try {
    io.stderr.write(`authlab: starting the local cluster with ${options.replicas} replicas\n`);
    cluster = await startLocalCluster({
      replicaCount: options.replicas,
      balancerHost: options.host,
      balancerPort: options.port,
      balancerPorts: {
        'ip-hash': options.ipHashPort,
        'cookie-hash': options.cookieHashPort,
        'sticky-route': options.stickyRoutePort,
      },
      redisPersistent: options.redisPersistent,
      addressBlock: options.addressBlock,
      ...buildSigningOptions(options),
      ...(options.logs ? { onLogLine: (record) => io.stderr.write(`${record.text}\n`) } : {}),
    });
    io.stdout.write(describeRunningCluster(cluster));
    io.stdout.write('\n');

    const status = signals.isStopRequested()
      ? 0
      : await runCompareCommand(
          {
            urls: cluster.urls.balancers ?? { 'round-robin': cluster.urls.balancer },
            modes: undefined,
            strategies: undefined,
            clients: options.clients,
            requests: options.requests,
            sameNat: false,
            drills: [],
            drillsOnly: false,
            replica: undefined,
            cluster: 'local',
            composeProject: undefined,
            json: false,
            html: undefined,
          },
          io,
        );
    if (options.once || status !== 0 || signals.isStopRequested()) {
      return status;
    }

    io.stdout.write(`\n${describeCurlExamples(cluster.urls.balancer)}`);
    io.stdout.write(
      `Run the comparison again: authlab compare --url ${cluster.urls.balancer}\nPress Ctrl-C to stop.\n`,
    );
    const signal = await signals.stopRequested;
    io.stderr.write(`authlab: ${signal} received, stopping the cluster (Ctrl-C again to kill it)\n`);
    return 0;
  } finally {
    await cluster?.stop();
    signals.dispose();
  }
}
