import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

// Addresses of its own, so that this cluster never meets one of authlab up or of another test file.
// A JWKS max age of 2 s keeps the drill's two waits short; the JWKS cooldown keeps its default of 1 s.
const UP_ARGUMENTS = [
  'up',
  '--host',
  '127.0.0.10',
  '--address-block',
  '127.8',
  '--replicas',
  '2',
  '--jwt-algorithm',
  'EdDSA',
  '--jwks-max-age-seconds',
  '2',
];

function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Lists every process with its parent and process group, read with ps. */
function listProcesses(): { pid: number; parentPid: number; groupId: number }[] {
  return execFileSync('ps', ['-e', '-o', 'pid=,ppid=,pgid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const [pid, parentPid, groupId] = line.trim().split(/\s+/).map(Number);
      return { pid: pid!, parentPid: parentPid!, groupId: groupId! };
    });
}

/** Returns the number in the first match of `pattern`'s first group in `text`, or NaN. */
function readCount(text: string, pattern: RegExp): number {
  return Number(pattern.exec(text)?.[1]);
}

describe('authlab drill rotate-keys', () => {
  let folder: string;
  let stateFile: string;
  let env: NodeJS.ProcessEnv;
  let up: ChildProcess;
  let upOutput = '';

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'authlab-rotate-'));
    stateFile = join(folder, 'cluster.json');
    env = { ...process.env, AUTHLAB_STATE_FILE: stateFile };
    up = spawn(process.execPath, [CLI, ...UP_ARGUMENTS], { stdio: ['ignore', 'pipe', 'pipe'], env });
    up.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      upOutput += chunk;
    });
    up.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      upOutput += chunk;
    });
    await vi.waitFor(
      () => {
        if (up.exitCode !== null) {
          throw new Error(`authlab up exited with ${up.exitCode}: ${upOutput.slice(-2_000)}`);
        }
        expect(existsSync(stateFile)).toBe(true);
      },
      { timeout: 30_000, interval: 250 },
    );
  }, 40_000);

  afterAll(async () => {
    if (up && up.exitCode === null) {
      up.kill('SIGINT');
      await new Promise((resolve) => up.once('exit', resolve));
    }
    await rm(folder, { recursive: true, force: true });
  });

  it('rotates the key with no failed request', async () => {
    const result = await runCli(['drill', 'rotate-keys'], env);

    expect(result.stderr).not.toContain('authlab drill rotate-keys: the running cluster');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /publish-next +active key-1, published key-1, key-2: 0 of \d+ requests failed/,
    );
    expect(result.stdout).toMatch(
      /activate-next +active key-2, published key-1, key-2: 0 of \d+ requests failed/,
    );
    expect(result.stdout).toMatch(/withdraw-previous +active key-2, published key-2:/);
    expect(readCount(result.stdout, /until the withdrawal: (\d+) of \d+ requests accepted/)).toBeGreaterThan(
      0,
    );
    expect(readCount(result.stdout, /until the withdrawal: \d+ of (\d+) requests accepted/)).toBe(
      readCount(result.stdout, /until the withdrawal: (\d+) of \d+ requests accepted/),
    );
    expect(result.stdout).toContain('New-kid token (key-2): accepted by every replica');
    expect(readCount(result.stdout, /rejected by every replica after (\d+) ms/)).toBeLessThanOrEqual(7_000);
    expect(result.stdout).toContain('Verdict: as expected');
  }, 45_000);

  it('stops on SIGINT and leaves no process', async () => {
    // Each part runs in a process group of its own, led by a child of authlab up, so every process of
    // the cluster (nginx workers too) is in one of these groups.
    const groups = new Set(
      listProcesses()
        .filter((row) => row.parentPid === up.pid)
        .map((row) => row.pid),
    );
    up.kill('SIGINT');
    const status = await new Promise((resolve) => up.once('exit', resolve));

    expect(groups.size).toBeGreaterThan(0);
    expect(status).toBe(0);
    expect(existsSync(stateFile)).toBe(false);
    expect(listProcesses().filter((row) => groups.has(row.groupId))).toEqual([]);
  }, 20_000);
});
