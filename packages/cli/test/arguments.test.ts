import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ARGUMENT_DEFAULTS, parseCommandLine, renderHelp, runCli, UsageError } from '../src/index.js';

/** Runs the CLI with captured output streams. */
async function runCaptured(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const status = await runCli(argv, { stdout, stderr, env: {} });
  return { status, stdout: out, stderr: err };
}

describe('parseCommandLine', () => {
  it('applies the defaults of up', () => {
    expect(parseCommandLine(['up'])).toEqual({
      name: 'up',
      options: { replicas: 3, port: 8080, host: '127.0.0.1' },
    });
  });

  it('reads the options of up', () => {
    expect(parseCommandLine(['up', '--replicas', '5', '--port=9090', '--host', '127.0.0.2'])).toEqual({
      name: 'up',
      options: { replicas: 5, port: 9090, host: '127.0.0.2' },
    });
  });

  it('reads the options of compare', () => {
    expect(
      parseCommandLine([
        'compare',
        '--url',
        'http://127.0.0.1:18080/',
        '--clients',
        '2',
        '--requests',
        '9',
        '--json',
      ]),
    ).toEqual({
      name: 'compare',
      options: { url: 'http://127.0.0.1:18080', clients: 2, requests: 9, json: true },
    });
  });

  it('applies the defaults of compare', () => {
    expect(parseCommandLine(['compare'])).toEqual({
      name: 'compare',
      options: { url: ARGUMENT_DEFAULTS.url, clients: 6, requests: 30, json: false },
    });
  });

  it('reads the options of demo', () => {
    expect(parseCommandLine(['demo', '--once', '--logs', '--replicas', '2', '--clients', '3'])).toEqual({
      name: 'demo',
      options: {
        replicas: 2,
        port: 8080,
        host: '127.0.0.1',
        clients: 3,
        requests: 30,
        once: true,
        logs: true,
      },
    });
  });

  it('turns every form of help into a help command', () => {
    expect(parseCommandLine([])).toEqual({ name: 'help', topic: undefined });
    expect(parseCommandLine(['--help'])).toEqual({ name: 'help', topic: undefined });
    expect(parseCommandLine(['help', 'compare'])).toEqual({ name: 'help', topic: 'compare' });
    expect(parseCommandLine(['up', '-h'])).toEqual({ name: 'help', topic: 'up' });
    expect(parseCommandLine(['demo', '--help'])).toEqual({ name: 'help', topic: 'demo' });
  });

  it.each([
    [['deploy'], 'unknown command "deploy"; the commands are up, compare, demo'],
    [['up', '--replicas', '0'], '--replicas must be an integer from 1 to 9, got "0"'],
    [['up', '--replicas', '2.5'], '--replicas must be an integer from 1 to 9, got "2.5"'],
    [['up', '--port', '70000'], '--port must be an integer from 1 to 65535, got "70000"'],
    [
      ['up', '--host', '0.0.0.0'],
      '--host must be a loopback address 127.x.x.x, got "0.0.0.0": the lab listens on loopback only',
    ],
    [['compare', '--requests', '-1'], "Option '--requests' argument is ambiguous"],
    [['compare', '--clients', '101'], '--clients must be an integer from 1 to 100, got "101"'],
    [['compare', '--url', 'http://10.0.0.5:8080'], '--url must be an http URL on a loopback address'],
    [['compare', '--url', 'https://127.0.0.1:8080'], '--url must be an http URL on a loopback address'],
    [['compare', '--url', 'http://127.0.0.1:8080/jwt'], "--url must be the balancer's origin without a path"],
    [['compare', '--url', 'not a url'], '--url must be a URL such as http://127.0.0.1:8080, got "not a url"'],
    [['compare', '--colour'], "Unknown option '--colour'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});

describe('runCli', () => {
  it('prints the overview for --help', async () => {
    const result = await runCaptured(['--help']);

    expect(result.status).toBe(0);
    expect(result.stdout).toBe(renderHelp(undefined));
    expect(result.stdout).toContain('Usage: authlab <command> [options]');
  });

  it('prints every option with its unit and default', async () => {
    const up = await runCaptured(['up', '--help']);
    const compare = await runCaptured(['compare', '--help']);
    const demo = await runCaptured(['demo', '--help']);

    expect(up.stdout).toContain(
      "--port PORT    TCP port of the balancer's round-robin listener (default 8080)",
    );
    expect(compare.stdout).toContain(
      '--requests N   authenticated requests per client, from 1 to 1000 (default 30)',
    );
    expect(compare.stdout).toContain('--json');
    expect(demo.stdout).toContain('--once');
    expect(demo.stdout).toContain('--replicas N');
  });

  it('exits with 2 and a hint on a usage error', async () => {
    const result = await runCaptured(['compare', '--clients', 'many']);

    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'authlab: --clients must be an integer from 1 to 100, got "many". Run authlab compare --help for the options.\n',
    );
  });

  it('exits with 1 when the balancer is unreachable', async () => {
    const result = await runCaptured(['compare', '--url', 'http://127.0.0.1:1']);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('authlab compare: cannot reach the balancer at http://127.0.0.1:1: ');
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain('Start a cluster with authlab up, or pass --url');
    expect(result.stdout).toBe('');
  });
});
