import { startLocalCluster } from '@authlab/cluster';
import type { ClusterArguments } from '../arguments.js';
import { describeRunningCluster } from '../cluster-summary.js';
import { type CliIo, listenForStopSignals } from '../terminal.js';

/** Runs `authlab up`: starts the local cluster, streams its logs and stops it on SIGINT or SIGTERM. */
export async function runUpCommand(options: ClusterArguments, io: CliIo): Promise<number> {
  const signals = listenForStopSignals(function forceStop() {
    io.stderr.write('authlab: second signal, killing every process of the cluster\n');
    // The exit hooks of @authlab/cluster send SIGKILL to every process they started.
    process.exit(130);
  });

  try {
    io.stderr.write(`authlab: starting the local cluster with ${options.replicas} replicas\n`);
    const cluster = await startLocalCluster({
      replicaCount: options.replicas,
      balancerHost: options.host,
      balancerPort: options.port,
      onLogLine: (record) => io.stdout.write(`${record.text}\n`),
    });

    io.stdout.write(describeRunningCluster(cluster));
    io.stdout.write(
      `Compare the strategies: authlab compare --url ${cluster.urls.balancer}\nPress Ctrl-C to stop.\n`,
    );

    const signal = await signals.stopRequested;
    io.stderr.write(`authlab: ${signal} received, stopping the cluster (Ctrl-C again to kill it)\n`);
    await cluster.stop();
    io.stderr.write('authlab: the cluster is stopped\n');
    return 0;
  } finally {
    signals.dispose();
  }
}
