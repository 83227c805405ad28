import {
  defaultStateFilePath,
  type SupervisorControl,
  startLocalCluster,
  startSupervisorControl,
} from '@authlab/cluster';
import { buildSigningOptions, type ClusterArguments } from '../arguments.js';
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
    io.stderr.write(
      `authlab: starting the local cluster with ${options.replicas} replicas, tokens signed with ${options.jwtAlgorithm}\n`,
    );
    const cluster = await startLocalCluster({
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
      onLogLine: (record) => io.stdout.write(`${record.text}\n`),
    });

    let control: SupervisorControl | undefined;
    try {
      // The control channel lets authlab drill and compare --drill, run from other shells, stop and start
      // the parts of this cluster.
      control = await startSupervisorControl(cluster, {
        stateFile: defaultStateFilePath(io.env),
        ...(options.jwtAlgorithm === 'EdDSA' ? { jwksMaxAgeSeconds: options.jwksMaxAgeSeconds } : {}),
      });
    } catch (error) {
      io.stderr.write(
        `authlab: authlab drill and compare --drill cannot reach this cluster, because its control channel did not open (the dashboard's drills still work): ${(error as Error).message}\n`,
      );
    }

    io.stdout.write(describeRunningCluster(cluster));
    // Commands in another shell find this cluster through the state file, so a state file of its own
    // goes into the hints, and without a control channel compare needs the balancer's URL.
    const stateFileVariable = io.env.AUTHLAB_STATE_FILE
      ? `AUTHLAB_STATE_FILE=${io.env.AUTHLAB_STATE_FILE} `
      : '';
    const listeners = cluster.urls.balancers ?? {};
    const listenerOptions = [
      `--url ${cluster.urls.balancer}`,
      ...(['ip-hash', 'cookie-hash', 'sticky-route'] as const)
        .filter((mode) => listeners[mode] !== undefined)
        .map((mode) => `--${mode}-url ${listeners[mode]}`),
    ].join(' ');
    const compareHint = control
      ? `${stateFileVariable}pnpm authlab compare`
      : `pnpm authlab compare ${listenerOptions}`;
    const drillName = options.jwtAlgorithm === 'EdDSA' ? 'rotate-keys' : 'restart-replica';
    const drillHint = control
      ? `\nRun a drill: ${stateFileVariable}pnpm authlab drill ${drillName} (control channel ${control.url}, announced in ${control.stateFile})`
      : '';
    io.stdout.write(`Compare the strategies: ${compareHint}${drillHint}\nPress Ctrl-C to stop.\n`);

    const signal = await signals.stopRequested;
    io.stderr.write(`authlab: ${signal} received, stopping the cluster (Ctrl-C again to kill it)\n`);
    await control?.stop();
    await cluster.stop();
    io.stderr.write('authlab: the cluster is stopped\n');
    return 0;
  } finally {
    signals.dispose();
  }
}
