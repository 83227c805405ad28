import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  findFreePort,
  isPortOpen,
  type ManagedProcess,
  startManagedProcess,
  waitUntil,
} from '@authlab/cluster';
import { parseLoopbackTarget } from './loopback.js';

/** Entry point of the tutorial-style express app, relative to the package root. */
const PEER_ENTRY_POINT = fileURLToPath(new URL('../peers/tutorial-express/server.cjs', import.meta.url));

const PEER_DEFAULTS = Object.freeze({ host: '127.0.13.1', readyTimeoutMs: 15_000, stopGraceMs: 3_000 });

export interface PeerOptions {
  /** Redis the peer keeps its sessions in, for example the cluster's. Only loopback addresses are accepted. */
  readonly redisUrl: string;
  /** Loopback address to listen on. Default 127.0.13.1, beside the cluster's blocks. */
  readonly host?: string;
  /** Port to listen on; a free one when absent. */
  readonly port?: number;
  /** Receives every line the peer prints. */
  readonly onLine?: (line: string) => void;
}

/** A running peer app: where it listens, its process id for CPU sampling, and how to stop it. */
export interface PeerApp {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts the tutorial-style express app (packages/bench/peers/tutorial-express) on loopback with fresh
 * secrets and resolves once it accepts connections.
 */
export async function startPeer(options: PeerOptions): Promise<PeerApp> {
  const redis = new URL(options.redisUrl);
  parseLoopbackTarget(`http://${redis.host}`);

  const host = options.host ?? PEER_DEFAULTS.host;
  parseLoopbackTarget(`http://${host}`);
  const port = options.port ?? (await findFreePort(host));

  const child: ManagedProcess = startManagedProcess({
    name: 'peer',
    command: process.execPath,
    args: [PEER_ENTRY_POINT],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PEER_HOST: host,
      PEER_PORT: String(port),
      PEER_REDIS_URL: options.redisUrl,
      PEER_JWT_SECRET: randomBytes(32).toString('base64url'),
      PEER_SESSION_SECRET: randomBytes(32).toString('base64url'),
    },
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });

  try {
    await waitUntil(
      async () => {
        if (!child.isRunning()) {
          throw new Error(`the peer app exited: ${child.recentLines().slice(-5).join(' | ')}`);
        }
        return isPortOpen(host, port);
      },
      { timeoutMs: PEER_DEFAULTS.readyTimeoutMs, description: `the peer app on ${host}:${port}` },
    );
  } catch (error) {
    await child.stop(PEER_DEFAULTS.stopGraceMs);
    throw error;
  }

  return {
    url: `http://${host}:${port}`,
    pid: child.pid!,
    async stop() {
      await child.stop(PEER_DEFAULTS.stopGraceMs);
    },
  };
}
