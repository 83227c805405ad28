import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The machine a bench ran on, as the report prints it beside the numbers. */
export interface MachineDescription {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly os: string;
  readonly nodeVersion: string;
  /** `nginx -v` without the prefix, or undefined when nginx is not installed. */
  readonly nginxVersion: string | undefined;
  readonly redisVersion: string | undefined;
  readonly loadAverage1m: number;
}

async function readCpuModel(): Promise<string> {
  try {
    const cpuinfo = await readFile('/proc/cpuinfo', 'utf8');
    const line = cpuinfo.split('\n').find((candidate) => candidate.startsWith('model name'));
    if (line) {
      return line.slice(line.indexOf(':') + 1).trim();
    }
  } catch {
    // Not Linux: fall back to what Node.js reports.
  }
  return cpus()[0]?.model ?? 'unknown';
}

async function readVersion(
  command: string,
  args: readonly string[],
  pattern: RegExp,
): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], { timeout: 5_000 });
    return pattern.exec(`${stdout}${stderr}`)?.[1];
  } catch {
    return undefined;
  }
}

export async function describeMachine(): Promise<MachineDescription> {
  return {
    cores: availableParallelism(),
    cpuModel: await readCpuModel(),
    memoryBytes: totalmem(),
    os: `${platform()} ${release()}`,
    nodeVersion: process.version,
    nginxVersion:
      (await readVersion('nginx', ['-v'], /nginx\/(\S+)/)) ??
      (await readVersion('/usr/sbin/nginx', ['-v'], /nginx\/(\S+)/)),
    redisVersion: await readVersion('redis-server', ['--version'], /v=(\S+)/),
    loadAverage1m: loadavg()[0] ?? 0,
  };
}
