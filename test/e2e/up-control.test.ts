import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

// A cluster of its own addresses, so that it never meets a cluster of authlab up on the defaults.
const UP_ARGUMENTS = ['up', '--host', '127.0.0.9', '--address-block', '127.7', '--replicas', '2'];

interface DrillRow {
  balancerMode: string;
  sessionsLost: number | null;
  asExpected: boolean;
  verdict: string;
}

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
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('authlab up and authlab drill', () => {
  let folder: string;
  let stateFile: string;
  let env: NodeJS.ProcessEnv;
  let up: ChildProcess;
  let upOutput = '';

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'authlab-up-'));
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
      { timeout: 60_000, interval: 250 },
    );
  }, 90_000);

  afterAll(async () => {
    if (up && up.exitCode === null) {
      up.kill('SIGINT');
      await new Promise((resolve) => up.once('exit', resolve));
    }
    await rm(folder, { recursive: true, force: true });
  });

  it('prints every listener and the drill hint', () => {
    expect(upOutput).toContain('balancer (sticky-route)');
    // The cluster runs with a state file of its own, so the hints carry it to the other shell.
    expect(upOutput).toContain(
      `Run a drill: AUTHLAB_STATE_FILE=${stateFile} pnpm authlab drill restart-replica`,
    );
    expect(upOutput).toContain(
      `Compare the strategies: AUTHLAB_STATE_FILE=${stateFile} pnpm authlab compare`,
    );
  });

  it('runs a drill over the control channel', async () => {
    const result = await runCli(
      [
        'drill',
        'restart-replica',
        '--json',
        '--modes',
        'round-robin,sticky-route',
        '--strategies',
        'session-memory,session-redis',
        '--clients',
        '2',
        '--requests',
        '4',
      ],
      env,
    );
    const rows = (JSON.parse(result.stdout) as { runs: { rows: DrillRow[] }[] }).runs[0]!.rows;

    expect(result.status).toBe(0);
    expect(rows.filter((row) => !row.asExpected).map((row) => row.verdict)).toEqual([]);
    expect(rows.map((row) => row.balancerMode)).toEqual([
      'round-robin',
      'round-robin',
      'sticky-route',
      'sticky-route',
    ]);
  }, 120_000);

  it('stops on SIGINT and removes its state file', async () => {
    up.kill('SIGINT');
    const status = await new Promise((resolve) => up.once('exit', resolve));

    expect(status).toBe(0);
    expect(existsSync(stateFile)).toBe(false);
  }, 30_000);
});
