import { type FileHandle, mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeExit, type ManagedProcess, startManagedProcess } from './managed-process.js';
import { isPortOpen, waitUntil } from './ports.js';

export interface NginxServerOptions {
  /** Path of the nginx program. */
  readonly binary: string;
  /** Folder that contains the config, the pid file, the access log and the temporary files. */
  readonly runDir: string;
  /** Rendered config text; written to `nginx.conf` in runDir. */
  readonly configText: string;
  /** Access log file named in the config; its lines are forwarded to `onLine` as nginx writes them. */
  readonly accessLogPath?: string;
  /** Listener that must accept connections before the server counts as started. */
  readonly probe: { readonly host: string; readonly port: number };
  readonly onLine?: (line: string) => void;
  readonly readyTimeoutMs?: number;
}

/** An nginx master process started in the foreground, with the tail of its access log. */
export interface NginxServer {
  readonly process: ManagedProcess;
  readonly configPath: string;
  /** Stops nginx (SIGTERM, then SIGKILL after `graceMs`) and reads the rest of the access log. */
  stop(graceMs: number): Promise<void>;
}

const DEFAULTS = Object.freeze({ readyTimeoutMs: 10_000, tailIntervalMs: 100 });

/**
 * Starts nginx with `configText` and waits until the probe listener accepts connections. nginx writes its
 * error log to stderr. It cannot open /dev/stdout when stdout is a socket, which is what a Node.js parent
 * gives its children, so the access log goes to a file that this function follows.
 */
export async function startNginxServer(options: NginxServerOptions): Promise<NginxServer> {
  const configPath = join(options.runDir, 'nginx.conf');
  await mkdir(join(options.runDir, 'temp'), { recursive: true, mode: 0o755 });
  await writeFile(configPath, options.configText, { mode: 0o644 });

  const nginx = startManagedProcess({
    name: 'nginx',
    command: options.binary,
    args: ['-p', options.runDir, '-c', configPath, '-e', 'stderr', '-g', 'daemon off;'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
  const tail = options.accessLogPath ? followFile(options.accessLogPath, options.onLine) : undefined;

  try {
    await waitUntil(
      async () => {
        if (!nginx.isRunning()) {
          const exit = await nginx.exited;
          const output = nginx.recentLines().slice(-5).join('\n');
          throw new Error(`nginx ${describeExit(exit)} during start-up:\n${output}`);
        }
        return isPortOpen(options.probe.host, options.probe.port);
      },
      {
        timeoutMs: options.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
        description: `nginx on ${options.probe.host}:${options.probe.port}`,
      },
    );
  } catch (error) {
    await nginx.stop(0);
    await tail?.stop();
    throw error;
  }

  return {
    process: nginx,
    configPath,
    async stop(graceMs) {
      await nginx.stop(graceMs);
      await tail?.stop();
    },
  };
}

/** Calls `onLine` for each line appended to `path`, checking every 100 ms; the file may appear later. */
function followFile(path: string, onLine: ((line: string) => void) | undefined): { stop(): Promise<void> } {
  let handle: FileHandle | undefined;
  let offset = 0;
  let pending = '';
  let reading: Promise<void> = Promise.resolve();
  const buffer = Buffer.alloc(64 * 1024);

  async function readNewBytes(): Promise<void> {
    if (handle === undefined) {
      try {
        handle = await open(path, 'r');
      } catch {
        return;
      }
    }
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) {
        break;
      }
      offset += bytesRead;
      pending += buffer.toString('utf8', 0, bytesRead);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        onLine?.(line);
      }
    }
  }

  const timer = setInterval(() => {
    reading = reading.then(readNewBytes).catch(() => undefined);
  }, DEFAULTS.tailIntervalMs);

  return {
    async stop() {
      clearInterval(timer);
      reading = reading.then(readNewBytes).catch(() => undefined);
      await reading;
      await handle?.close();
    },
  };
}
