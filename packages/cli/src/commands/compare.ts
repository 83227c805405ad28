import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BALANCER_MODES, type BalancerMode, DEFAULT_BALANCER_PORTS } from '@authlab/balancer';
import {
  buildComposeDriver,
  ClusterConnectionError,
  type ConnectedCluster,
  connectToCluster,
  defaultStateFilePath,
} from '@authlab/cluster';
import { CompareRunError } from '../compare.js';
import { renderHtmlReport } from '../html-report.js';
import { ALL_STRATEGIES, type MatrixTarget, runMatrix } from '../matrix.js';
import type { MatrixArguments } from '../matrix-arguments.js';
import { renderMatrixTable } from '../matrix-table.js';
import { measureRevocationWindows, renderRevocationWindows } from '../revocation-window.js';
import { buildProgressPrinter, type CliIo, supportsColor } from '../terminal.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const COMPOSE_REPLICA_IDS = Object.freeze(['api-1', 'api-2', 'api-3']);
const DEFAULT_HOST = '127.0.0.1';

/** Runs `authlab compare` or `authlab drill` against a running cluster; returns the exit status. */
export async function runCompareCommand(
  options: MatrixArguments,
  io: CliIo,
  command = 'compare',
): Promise<number> {
  try {
    const target = resolveTarget(options, io);
    const report = await runMatrix({
      target,
      strategies: options.strategies ?? ALL_STRATEGIES,
      basicEveryMode: options.strategies !== undefined,
      clients: options.clients,
      requestsPerClient: options.requests,
      sameNat: options.sameNat,
      drills: options.drills,
      drillsOnly: options.drillsOnly,
      ...(options.replica === undefined ? {} : { drillReplica: options.replica }),
      onProgress: buildProgressPrinter(io.stderr),
      onNote: (message) => io.stderr.write(`authlab ${command}: ${message}\n`),
    });

    const revocationWindows = options.drillsOnly
      ? []
      : await measureRevocationWindows({
          balancer: target.balancers['round-robin'] ?? Object.values(target.balancers)[0] ?? '',
          ...(target.replicas ? { replicas: target.replicas } : {}),
          strategies: options.strategies ?? ALL_STRATEGIES,
        });

    if (options.html !== undefined) {
      await writeFile(options.html, renderHtmlReport(report));
      io.stderr.write(`authlab ${command}: wrote the HTML report to ${options.html}\n`);
    }
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ ...report, revocationWindows }, null, 2)}\n`);
    } else {
      io.stdout.write(renderMatrixTable(report, { color: supportsColor(io.stdout, io.env) }));
      io.stdout.write(renderRevocationWindows(revocationWindows));
    }
    return 0;
  } catch (error) {
    if (error instanceof CompareRunError || error instanceof ClusterConnectionError) {
      io.stderr.write(`authlab ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * Finds the listeners to compare and, for drills, the driver. `--cluster compose` drives docker compose;
 * otherwise the cluster that `authlab up` announced in its state file, unless --url names another one.
 * Listener URLs given on the command line always win.
 */
function resolveTarget(options: MatrixArguments, io: CliIo): MatrixTarget {
  let balancers: Partial<Record<BalancerMode, string>>;
  let extra: Omit<MatrixTarget, 'balancers'> = {};

  if (options.cluster === 'compose') {
    balancers = { ...defaultBalancers(), ...options.urls };
    extra = {
      driver: buildComposeDriver({
        projectDirectory: REPOSITORY_ROOT,
        replicaIds: COMPOSE_REPLICA_IDS,
        ...(options.composeProject ? { projectName: options.composeProject } : {}),
      }),
    };
  } else {
    const supervised = findSupervisedCluster(options, io);
    if (supervised) {
      balancers = {
        ...(supervised.urls.balancers ?? { 'round-robin': supervised.urls.balancer }),
        ...options.urls,
      };
      extra = {
        driver: supervised.driver,
        replicas: supervised.urls.replicas,
        ...(supervised.redisPersistent === undefined ? {} : { redisPersistent: supervised.redisPersistent }),
      };
    } else if (options.urls['round-robin'] === undefined) {
      balancers = { ...defaultBalancers(), ...options.urls };
    } else {
      balancers = { ...options.urls };
    }
  }

  if (options.modes !== undefined) {
    const missing = options.modes.filter((mode) => balancers[mode] === undefined);
    if (missing.length > 0) {
      throw new CompareRunError(
        `no listener URL for ${missing.join(', ')}: pass --${missing[0]}-url, or start the cluster with authlab up`,
      );
    }
    balancers = Object.fromEntries(options.modes.map((mode) => [mode, balancers[mode]!]));
  }
  return { balancers, ...extra };
}

/** The cluster of `authlab up`, when its state file exists and --url does not point elsewhere. */
function findSupervisedCluster(options: MatrixArguments, io: CliIo): ConnectedCluster | undefined {
  let cluster: ConnectedCluster;
  try {
    cluster = connectToCluster({ stateFile: defaultStateFilePath(io.env) });
  } catch (error) {
    if (options.drills.length > 0 && options.urls['round-robin'] === undefined) {
      throw error;
    }
    return undefined;
  }
  const url = options.urls['round-robin'];
  return url === undefined || url === cluster.urls.balancer ? cluster : undefined;
}

function defaultBalancers(): Record<BalancerMode, string> {
  return Object.fromEntries(
    BALANCER_MODES.map((mode) => [mode, `http://${DEFAULT_HOST}:${DEFAULT_BALANCER_PORTS[mode]}`]),
  ) as Record<BalancerMode, string>;
}
