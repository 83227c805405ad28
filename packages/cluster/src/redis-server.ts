import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPortOpen, waitUntil } from './ports.js';

/** A redis-server process this package started, with the folder it owns. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and removes its folder. */
  stop(graceMs?: number): Promise<void>;
}

export interface RedisServerOptions {
  host: string;
  port: number;
  /** Folder for Redis's working files; a temporary one is made (and removed on stop) when absent. */
  dir?: string;
  /** Keep data on disk (append-only file) so a restart keeps the sessions. Off by default. */
  persistent?: boolean;
  /** Receives each line Redis prints. */
  onLine?: (line: string) => void;
  /** Path of the redis-server program; looked up on PATH when absent. */
  binary?: string;
  readyTimeoutMs?: number;
}

/**
 * Error raised when a program the cluster runs is not installed, with the command that installs it.
 * `binary` names one program or several joined by " and ".
 */
export class MissingBinaryError extends Error {
  readonly code = 'MISSING_BINARY';
  constructor(
    readonly binary: string,
    readonly installHint: string,
  ) {
    const several = binary.includes(' and ');
    super(
      `${binary} ${several ? 'were' : 'was'} not found: install ${several ? 'them' : 'it'} with ${installHint}`,
    );
    this.name = 'MissingBinaryError';
  }
}

/**
 * Starts redis-server on `host:port` with nothing kept on disk unless `persistent` is set, and waits until
 * it accepts connections.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'authlab-redis-')));
  const persistence = options.persistent
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
    : ['--save', '', '--appendonly', 'no'];
  const args = [
    '--bind',
    options.host,
    '--port',
    String(options.port),
    '--dir',
    dir,
    '--protected-mode',
    'no',
    ...persistence,
  ];

  const child = spawn(options.binary ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const spawnFailure = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new MissingBinaryError(
              'redis-server',
              'sudo apt-get install redis-server (or brew install redis)',
            )
          : error,
      );
    });
  });
  forwardLines(child, options.onLine);

  const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  try {
    await Promise.race([
      spawnFailure,
      waitUntil(
        async () =>
          child.exitCode !== null
            ? Promise.reject(new Error('redis-server exited early'))
            : isPortOpen(options.host, options.port),
        {
          timeoutMs: options.readyTimeoutMs ?? 10_000,
          description: `redis-server on ${options.host}:${options.port}`,
        },
      ),
    ]);
  } catch (error) {
    // A server that never became ready must not outlive the failed start.
    child.kill('SIGKILL');
    if (ownsDir) {
      await rm(dir, { recursive: true, force: true });
    }
    throw error;
  }

  return {
    host: options.host,
    port: options.port,
    url: `redis://${options.host}:${options.port}`,
    process: child,
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      if (ownsDir) {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Calls `onLine` for every line a child prints on stdout or stderr. */
export function forwardLines(child: ChildProcess, onLine: ((line: string) => void) | undefined): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) {
      continue;
    }
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        onLine?.(line);
      }
    });
    stream.on('end', () => {
      if (pending !== '') {
        onLine?.(pending);
      }
    });
  }
}
