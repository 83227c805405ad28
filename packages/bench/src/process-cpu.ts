import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second that /proc reports CPU time in; 100 on every common Linux build. */
const FALLBACK_CLOCK_TICKS_PER_SECOND = 100;

let clockTicksPerSecond: number | undefined;

function readClockTicksPerSecond(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      clockTicksPerSecond = Number.isInteger(value) && value > 0 ? value : FALLBACK_CLOCK_TICKS_PER_SECOND;
    } catch {
      clockTicksPerSecond = FALLBACK_CLOCK_TICKS_PER_SECOND;
    }
  }
  return clockTicksPerSecond;
}

/**
 * Reads the user plus system CPU time a process has used so far, in microseconds, from /proc/<pid>/stat.
 * Returns undefined where /proc is missing (macOS) or the process is gone. The kernel counts in clock
 * ticks, so the resolution is 10 ms at the usual 100 ticks per second.
 */
export function readProcessCpuMicros(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }

  // The command name in field 2 is in parentheses and may contain spaces, so fields are counted after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name, field 3 (state) is index 0, so utime (field 14) and stime (field 15) are 11 and 12.
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) {
    return undefined;
  }
  return ((userTicks + systemTicks) * 1_000_000) / readClockTicksPerSecond();
}

/** CPU time of a set of processes, read together before and after a measured row. */
export interface CpuSample {
  readonly micros: number;
  /** Processes whose time could be read; a row reports no CPU figure unless all of them could. */
  readonly readable: number;
  readonly total: number;
}

export function sampleCpu(pids: readonly number[]): CpuSample {
  let micros = 0;
  let readable = 0;
  for (const pid of pids) {
    const value = readProcessCpuMicros(pid);
    if (value !== undefined) {
      micros += value;
      readable += 1;
    }
  }
  return { micros, readable, total: pids.length };
}

/** CPU microseconds per request between two samples, or undefined when any process could not be read. */
export function cpuMicrosPerRequest(
  before: CpuSample,
  after: CpuSample,
  requests: number,
): number | undefined {
  if (requests <= 0 || before.total === 0 || before.readable < before.total || after.readable < after.total) {
    return undefined;
  }
  return (after.micros - before.micros) / requests;
}
