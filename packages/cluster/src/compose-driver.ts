import { spawn } from 'node:child_process';
import type { ClusterDriver } from './cluster-handle.js';

export interface ComposeDriverOptions {
  /** Folder with docker-compose.yml, the compose project folder. */
  readonly projectDirectory: string;
  /** Compose project name; docker compose derives one from the folder when absent. */
  readonly projectName?: string;
  /** Compose files, relative to the project folder. Default: docker-compose.yml. */
  readonly files?: readonly string[];
  /** Override file that gives the replica `mismatchedReplica` secrets of its own. */
  readonly secretMismatchFile?: string;
  /** The one replica the secret-mismatch override changes. Default api-3. */
  readonly mismatchedReplica?: string;
  readonly replicaIds: readonly string[];
  /** Maximum time of one docker compose command, including its wait for health checks. Default 180,000 ms. */
  readonly commandTimeoutMs?: number;
}

const DEFAULTS = Object.freeze({
  files: ['docker-compose.yml'],
  secretMismatchFile: 'deploy/compose/replica-secret-mismatch.yml',
  mismatchedReplica: 'api-3',
  commandTimeoutMs: 180_000,
});

/**
 * Builds a drill driver for a cluster that `docker compose up` started: `docker compose stop <service>`
 * to stop a part, and `up --detach --no-deps --wait <service>` to start it and wait for its health check.
 * The secret-mismatch drill recreates its replica with the override file that gives it secrets of its own.
 *
 * NOTE: these commands have not run against a real compose project, because no Docker engine runs where
 * this was written. The local cluster's driver is the tested one.
 */
export function buildComposeDriver(options: ComposeDriverOptions): ClusterDriver {
  const files = options.files ?? DEFAULTS.files;
  const mismatchedReplica = options.mismatchedReplica ?? DEFAULTS.mismatchedReplica;
  const secretMismatchFile = options.secretMismatchFile ?? DEFAULTS.secretMismatchFile;

  const compose = (args: readonly string[], extraFiles: readonly string[] = []) =>
    runCompose(options, [...files, ...extraFiles], args);
  const checkReplica = (id: string) => {
    if (!options.replicaIds.includes(id)) {
      throw new TypeError(
        `unknown replica ${JSON.stringify(id)}: this cluster has ${options.replicaIds.join(', ')}`,
      );
    }
    return id;
  };
  const stop = (service: string) => compose(['stop', service]);
  const start = (service: string, extraFiles: readonly string[] = []) =>
    compose(['up', '--detach', '--no-deps', '--wait', service], extraFiles);

  return Object.freeze({
    stopReplica: (id: string) => stop(checkReplica(id)),
    startReplica: (id: string) => start(checkReplica(id)),
    restartReplica: async (id: string) => {
      await stop(checkReplica(id));
      await start(id);
    },
    stopRedis: () => stop('redis'),
    startRedis: () => start('redis'),
    stopAuth: () => stop('auth'),
    startAuth: () => start('auth'),
    restartReplicaWithSecrets: async (id: string, secrets: 'shared' | 'mismatched') => {
      if (checkReplica(id) !== mismatchedReplica) {
        throw new TypeError(
          `the compose override ${secretMismatchFile} changes ${mismatchedReplica} only; choose --replica ${mismatchedReplica}`,
        );
      }
      // Recreating the container applies the changed environment; `start` would keep the old one.
      const extraFiles = secrets === 'mismatched' ? [secretMismatchFile] : [];
      await compose(['up', '--detach', '--no-deps', '--force-recreate', '--wait', id], extraFiles);
    },
  });
}

function runCompose(
  options: ComposeDriverOptions,
  files: readonly string[],
  args: readonly string[],
): Promise<void> {
  const command = ['compose', '--project-directory', options.projectDirectory];
  if (options.projectName) {
    command.push('--project-name', options.projectName);
  }
  for (const file of files) {
    command.push('--file', file);
  }
  command.push(...args);

  const timeoutMs = options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs;
  return new Promise((resolve, reject) => {
    const child = spawn('docker', command, {
      cwd: options.projectDirectory,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`docker ${args.join(' ')} could not start: ${error.message}`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve();
        return;
      }
      const reason = signal === null ? `exit code ${code}` : `${signal} after ${timeoutMs} ms`;
      reject(
        new Error(`docker compose ${args.join(' ')} failed with ${reason}: ${output.trim().slice(-2_000)}`),
      );
    });
  });
}
