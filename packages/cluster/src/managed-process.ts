import { type ChildProcess, spawn } from 'node:child_process';
import { forwardLines } from './redis-server.js';

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (for example ENOENT). */
  readonly error?: Error;
}

export interface ManagedProcessOptions {
  /** Name used in log prefixes and error messages, such as `api-2`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Receives every line the process prints on stdout or stderr. */
  readonly onLine?: (line: string) => void;
  /** Number of recent lines kept for error messages and `recentLines()`. */
  readonly keptLineCount?: number;
}

/** A child process started in its own process group, so that stopping it also stops its children. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves once the process has exited; never rejects. */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** The last lines the process printed, oldest first. */
  recentLines(): readonly string[];
  /** Sends SIGTERM, then SIGKILL to the whole process group after `graceMs`, and waits for the exit. */
  stop(graceMs: number): Promise<ProcessExit>;
}

const DEFAULTS = Object.freeze({ keptLineCount: 200 });

// Process groups that are still running, killed when this Node.js process exits so that a crash of the
// parent (an exception, process.exit) leaves no orphans behind.
const liveProcessGroups = new Set<number>();
let exitHookInstalled = false;

function killLiveGroupsOnExit(): void {
  for (const pid of liveProcessGroups) {
    signalGroup(pid, 'SIGKILL');
  }
}

/** Sends `signal` to the process group `pid`; a group that is already gone is not an error. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every process of the group has exited already.
  }
}

/** Starts `command` in a new process group and forwards its output line by line. */
export function startManagedProcess(options: ManagedProcessOptions): ManagedProcess {
  const keptLineCount = options.keptLineCount ?? DEFAULTS.keptLineCount;
  const lines: string[] = [];

  const child: ChildProcess = spawn(options.command, [...options.args], {
    env: options.env,
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid !== undefined) {
    liveProcessGroups.add(pid);
    if (!exitHookInstalled) {
      process.on('exit', killLiveGroupsOnExit);
      exitHookInstalled = true;
    }
  }

  forwardLines(child, (line) => {
    lines.push(line);
    if (lines.length > keptLineCount) {
      lines.shift();
    }
    options.onLine?.(line);
  });

  let running = pid !== undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.on('error', (error) => {
      if (pid === undefined) {
        running = false;
        resolve({ code: null, signal: null, error });
      }
    });
    child.once('exit', (code, signal) => {
      running = false;
      if (pid !== undefined) {
        // Children the process left behind (nginx workers after a SIGKILL of the master) go too.
        signalGroup(pid, 'SIGKILL');
        liveProcessGroups.delete(pid);
      }
      resolve({ code, signal });
    });
  });

  return {
    name: options.name,
    pid,
    exited,
    isRunning: () => running,
    recentLines: () => [...lines],
    async stop(graceMs) {
      if (!running || pid === undefined) {
        return exited;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** Describes an exit for people: `exited with code 1`, `was killed by SIGKILL`, or the start error. */
export function describeExit(exit: ProcessExit): string {
  if (exit.error) {
    return `could not start: ${exit.error.message}`;
  }
  return exit.signal === null ? `exited with code ${exit.code}` : `was killed by ${exit.signal}`;
}
