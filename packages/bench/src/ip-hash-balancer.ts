import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderNginxConfig } from '@authlab/balancer';
import { findClusterBinaries, findFreePort, type NginxServer, startNginxServer } from '@authlab/cluster';
import { parseLoopbackTarget } from './loopback.js';

/** The address the services trust as their proxy; nginx connects to them from it. */
const PROXY_ADDRESS = '127.0.0.1';
const STOP_GRACE_MS = 3_000;

export interface IpHashBalancerOptions {
  /** Origins of the replicas, in replica order. */
  readonly replicaUrls: readonly string[];
  /** Origin of the auth service, which the template routes `/auth/` to. */
  readonly authUrl: string;
}

/** An nginx started by the bench with one `ip-hash` listener, and its process id for CPU sampling. */
export interface IpHashBalancer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

function toUpstream(url: string): string {
  const target = parseLoopbackTarget(url);
  return `${target.connectHost}:${target.port}`;
}

/**
 * Starts a second nginx from the lab's own template with a single `ip-hash` listener in front of the same
 * replicas. `session-memory` needs a balancer mode that keeps a client on one replica, and a cluster started
 * by `authlab up` listens in `round-robin` mode only; the rendered config is otherwise the cluster's own.
 */
export async function startIpHashBalancer(options: IpHashBalancerOptions): Promise<IpHashBalancer> {
  const binaries = await findClusterBinaries();
  const host = '127.0.0.1';
  const port = await findFreePort(host);
  const runDir = await mkdtemp(join(tmpdir(), 'authlab-bench-nginx-'));
  // nginx workers run as nobody when the bench runs as root, and they must reach the temporary folder.
  await chmod(runDir, 0o711);

  const configText = renderNginxConfig({
    target: 'local',
    runDir,
    listeners: [{ mode: 'ip-hash', host, port }],
    replicaServers: options.replicaUrls.map(toUpstream),
    authServer: toUpstream(options.authUrl),
    proxyBind: PROXY_ADDRESS,
    workerUser: process.getuid?.() === 0 ? 'nobody nogroup' : undefined,
  });

  let nginx: NginxServer;
  try {
    nginx = await startNginxServer({ binary: binaries.nginx, runDir, configText, probe: { host, port } });
  } catch (error) {
    await rm(runDir, { recursive: true, force: true });
    throw error;
  }

  return {
    url: `http://${host}:${port}`,
    pid: nginx.process.pid!,
    async stop() {
      await nginx.stop(STOP_GRACE_MS);
      await rm(runDir, { recursive: true, force: true });
    },
  };
}
