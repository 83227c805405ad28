import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET } from './test-config.js';

const SERVER_PATH = fileURLToPath(new URL('../dist/server.js', import.meta.url));
const STACK_FRAME_PATTERN = /\n\s+at /;

interface RunningServer {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** Starts the built server with only the given variables plus PATH, so the developer's environment cannot leak in. */
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

async function waitForLogLine(server: RunningServer, message: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const entry = server.stdout
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((line) => line.msg === message);
    if (entry) {
      return entry;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no "${message}" log line within ${timeoutMs} ms; stdout: ${server.stdout.join('')}`);
}

function getRaw(
  url: URL,
  path: string,
): Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: url.hostname, port: url.port, path, method: 'GET', timeout: 5000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            statusCode: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('request timed out')));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('auth server process', () => {
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

  it('refuses to start without a secret', async () => {
    const server = startServer({});
    started.push(server);

    const exitCode = await server.exited;
    const stderr = server.stderr.join('');

    expect(exitCode).toBe(1);
    expect(stderr).toContain('auth: invalid configuration, the service did not start:');
    expect(stderr).toContain('AUTH_JWT_SECRET is missing');
    expect(stderr).toContain('openssl rand -base64 48');
    expect(stderr).not.toMatch(STACK_FRAME_PATTERN);
  });

  it('refuses to start with a weak secret', async () => {
    const weakSecret = 'Xq7-short-secret';
    const server = startServer({ AUTH_JWT_SECRET: weakSecret });
    started.push(server);

    const exitCode = await server.exited;
    const stderr = server.stderr.join('');

    expect(exitCode).toBe(1);
    expect(stderr).toContain('AUTH_JWT_SECRET is too short');
    expect(stderr).toContain('got 16 bytes');
    expect(stderr).not.toContain(weakSecret);
    expect(stderr).not.toMatch(STACK_FRAME_PATTERN);
  });

  it('serves requests and stops on SIGTERM', async () => {
    const server = startServer({
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_HOST: '127.0.0.1',
      AUTH_PORT: '0',
    });
    started.push(server);

    const listening = await waitForLogLine(server, 'auth service listening', 10_000);
    const address = new URL(listening.address);

    const health = await getRaw(address, '/healthz');
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    expect(health.headers['x-served-by']).toBe('auth');

    const badUrl = await getRaw(address, '/%');
    expect(badUrl.statusCode).toBe(400);
    expect(JSON.parse(badUrl.body).code).toBe('URL_INVALID');
    expect(badUrl.headers['x-served-by']).toBe('auth');

    server.child.kill('SIGTERM');
    const exitCode = await server.exited;

    expect(exitCode).toBe(0);
    await waitForLogLine(server, 'auth service stopped', 1000);
    expect(server.stderr.join('')).toBe('');
  });
});
