import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@authlab/cluster';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_COOKIE_KEY, TEST_JWT_SECRET, TEST_SESSION_SECRET } from './helpers.js';

const SERVER_PATH = fileURLToPath(new URL('../dist/server.js', import.meta.url));
const STACK_FRAME_PATTERN = /\n\s+at /;

interface RunningServer {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** Starts the built server with only the given variables plus PATH, so the caller's environment stays out. */
function startServer(env: Record<string, string>): RunningServer {
  const child = spawn(process.execPath, [SERVER_PATH], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout, stderr, exited };
}

function readLogLines(server: RunningServer): { msg: string; [key: string]: unknown }[] {
  return server.stdout
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

async function waitForLogLine(server: RunningServer, message: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const entry = readLogLines(server).find((line) => line.msg === message);
    if (entry) {
      return entry;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no "${message}" log line within ${timeoutMs} ms; stdout: ${server.stdout.join('')}`);
}

describe('api server process', () => {
  const started: RunningServer[] = [];

  beforeAll(() => {
    if (!existsSync(SERVER_PATH)) {
      throw new Error(`${SERVER_PATH} is missing: run pnpm build first`);
    }
  });

  afterEach(async () => {
    for (const server of started.splice(0)) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
  });

  it('refuses to start without its required variables', async () => {
    const server = startServer({});
    started.push(server);

    const exitCode = await server.exited;
    const stderr = server.stderr.join('');

    expect(exitCode).toBe(1);
    expect(stderr).toContain('api: invalid configuration, the service did not start:');
    expect(stderr).toContain('REPLICA_ID is missing');
    expect(stderr).toContain('API_JWT_SECRET is missing');
    expect(stderr).toContain('API_SESSION_SECRET is missing');
    expect(stderr).toContain('API_COOKIE_SESSION_KEYS is missing');
    expect(stderr).not.toMatch(STACK_FRAME_PATTERN);
  });

  it('refuses to start with a 16-character JWT secret', async () => {
    const weakSecret = 'Xq7-short-secret';
    const server = startServer({
      REPLICA_ID: 'api-1',
      API_JWT_SECRET: weakSecret,
      API_SESSION_SECRET: TEST_SESSION_SECRET,
      API_COOKIE_SESSION_KEYS: TEST_COOKIE_KEY,
    });
    started.push(server);

    const exitCode = await server.exited;
    const stderr = server.stderr.join('');

    expect(exitCode).toBe(1);
    expect(stderr).toContain('API_JWT_SECRET is too short');
    expect(stderr).not.toContain(weakSecret);
    expect(stderr).not.toMatch(STACK_FRAME_PATTERN);
  });

  it('listens without Redis and stops on SIGTERM', async () => {
    const port = await findFreePort('127.0.0.1');
    const redisPort = await findFreePort('127.0.0.1');
    const server = startServer({
      REPLICA_ID: 'api-9',
      API_PORT: String(port),
      API_JWT_SECRET: TEST_JWT_SECRET,
      API_SESSION_SECRET: TEST_SESSION_SECRET,
      API_COOKIE_SESSION_KEYS: TEST_COOKIE_KEY,
      API_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    });
    started.push(server);

    const listening = await waitForLogLine(server, 'replica listening', 10_000);
    expect(listening).toMatchObject({ replica: 'api-9', address: `http://127.0.0.1:${port}` });

    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-served-by')).toBe('api-9');
    expect(await response.json()).toEqual({ status: 'ok', replica: 'api-9' });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const messages = readLogLines(server).map((line) => line.msg);
    expect(messages).toContain('replica stopping');
    expect(messages).toContain('replica stopped');
    expect(messages.filter((message) => message === 'redis unavailable')).toHaveLength(1);
  });
});
