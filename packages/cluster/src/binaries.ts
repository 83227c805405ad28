import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { MissingBinaryError } from './redis-server.js';

/** Install commands for the programs the local cluster runs, on Debian or Ubuntu and on macOS. */
export const INSTALL_HINT = 'sudo apt-get install nginx-light redis-server (or brew install nginx redis)';

// nginx lives in sbin on Debian, which is not on the PATH of a normal user.
const EXTRA_SEARCH_DIRS = Object.freeze([
  '/usr/sbin',
  '/usr/local/sbin',
  '/opt/homebrew/bin',
  '/usr/local/bin',
]);

/** Absolute paths of the programs the local cluster starts. */
export interface ClusterBinaries {
  readonly nginx: string;
  readonly redisServer: string;
}

/** Returns the absolute path of `name` on PATH or in the usual sbin folders, or undefined when absent. */
export async function findExecutable(
  name: string,
  path = process.env.PATH ?? '',
): Promise<string | undefined> {
  const dirs = [...path.split(delimiter).filter((dir) => dir !== ''), ...EXTRA_SEARCH_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder: try the next one.
    }
  }
  return undefined;
}

/**
 * Finds nginx and redis-server. Throws one MissingBinaryError that names every missing program and the
 * command that installs them.
 */
export async function findClusterBinaries(): Promise<ClusterBinaries> {
  const [nginx, redisServer] = await Promise.all([findExecutable('nginx'), findExecutable('redis-server')]);
  const missing = [
    nginx === undefined ? 'nginx' : undefined,
    redisServer === undefined ? 'redis-server' : undefined,
  ];
  const missingNames = missing.filter((name) => name !== undefined);
  if (missingNames.length > 0) {
    throw new MissingBinaryError(missingNames.join(' and '), INSTALL_HINT);
  }

  return { nginx: nginx!, redisServer: redisServer! };
}
