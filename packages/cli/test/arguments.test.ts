import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, renderHelp, runCli, UsageError } from '../src/index.js';

/** Runs the CLI with captured output streams. */
async function runCaptured(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
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
  const status = await runCli(argv, { stdout, stderr, env });
  return { status, stdout: out, stderr: err };
}

describe('parseCommandLine', () => {
  it('applies the defaults of up', () => {
    expect(parseCommandLine(['up'])).toEqual({
      name: 'up',
      options: {
        replicas: 3,
        port: 8080,
        ipHashPort: 8081,
        cookieHashPort: 8082,
        stickyRoutePort: 8083,
        host: '127.0.0.1',
        redisPersistent: false,
        addressBlock: '127.0',
        jwtAlgorithm: 'HS256',
        jwksMaxAgeSeconds: 30,
        jwksCooldownSeconds: 1,
      },
    });
  });

  it('reads the options of up', () => {
    expect(
      parseCommandLine([
        'up',
        '--replicas',
        '5',
        '--port=9090',
        '--sticky-route-port',
        '9093',
        '--host',
        '127.0.0.2',
        '--redis-persistent',
      ]),
    ).toEqual({
      name: 'up',
      options: {
        replicas: 5,
        port: 9090,
        ipHashPort: 8081,
        cookieHashPort: 8082,
        stickyRoutePort: 9093,
        host: '127.0.0.2',
        redisPersistent: true,
        addressBlock: '127.0',
        jwtAlgorithm: 'HS256',
        jwksMaxAgeSeconds: 30,
        jwksCooldownSeconds: 1,
      },
    });
  });

  it('reads the options of compare', () => {
    const parsed = parseCommandLine([
      'compare',
      '--url',
      'http://127.0.0.1:18080',
      '--sticky-route-url',
      'http://localhost:18083/',
      '--modes',
      'round-robin,sticky-route',
      '--strategies',
      'jwt,session-memory',
      '--clients',
      '2',
      '--requests=9',
      '--same-nat',
      '--drill',
      'redis-outage',
      '--drill',
      'restart-replica',
      '--replica',
      'api-2',
      '--html',
      'report.html',
      '--json',
    ]);

    expect(parsed).toEqual({
      name: 'compare',
      options: {
        urls: { 'round-robin': 'http://127.0.0.1:18080', 'sticky-route': 'http://localhost:18083' },
        modes: ['round-robin', 'sticky-route'],
        strategies: ['jwt', 'session-memory'],
        clients: 2,
        requests: 9,
        sameNat: true,
        drills: ['redis-outage', 'restart-replica'],
        drillsOnly: false,
        replica: 'api-2',
        cluster: 'local',
        composeProject: undefined,
        json: true,
        html: 'report.html',
      },
    });
  });

  it('applies the defaults of compare', () => {
    const parsed = parseCommandLine(['compare']);

    expect(parsed.name).toBe('compare');
    expect(parsed).toMatchObject({
      options: {
        urls: {},
        modes: undefined,
        clients: 6,
        requests: 30,
        sameNat: false,
        drills: [],
        json: false,
      },
    });
  });

  it('reads a drill with fewer requests per phase', () => {
    expect(parseCommandLine(['drill', 'secret-mismatch', '--cluster', 'compose'])).toMatchObject({
      name: 'drill',
      options: { drills: ['secret-mismatch'], drillsOnly: true, requests: 10, cluster: 'compose' },
    });
  });

  it('reads the options of demo', () => {
    expect(parseCommandLine(['demo', '--once', '--logs', '--replicas', '2', '--clients', '3'])).toEqual({
      name: 'demo',
      options: {
        replicas: 2,
        port: 8080,
        ipHashPort: 8081,
        cookieHashPort: 8082,
        stickyRoutePort: 8083,
        host: '127.0.0.1',
        redisPersistent: false,
        addressBlock: '127.0',
        jwtAlgorithm: 'HS256',
        jwksMaxAgeSeconds: 30,
        jwksCooldownSeconds: 1,
        clients: 3,
        requests: 30,
        once: true,
        logs: true,
      },
    });
  });

  it('reads the signing options of up', () => {
    expect(parseCommandLine(['up', '--jwt-algorithm', 'EdDSA', '--jwks-max-age-seconds', '5'])).toMatchObject(
      { name: 'up', options: { jwtAlgorithm: 'EdDSA', jwksMaxAgeSeconds: 5 } },
    );
  });

  it('passes the signing algorithm of demo', () => {
    expect(parseCommandLine(['demo', '--jwt-algorithm', 'EdDSA'])).toMatchObject({
      name: 'demo',
      options: { jwtAlgorithm: 'EdDSA', jwksMaxAgeSeconds: 30 },
    });
  });

  it('reads the rotate-keys drill', () => {
    expect(parseCommandLine(['drill', 'rotate-keys'])).toEqual({ name: 'rotate-keys', options: {} });
    expect(parseCommandLine(['drill', 'rotate-keys', '--help'])).toEqual({ name: 'help', topic: 'drill' });
  });

  it('turns every form of help into a help command', () => {
    expect(parseCommandLine([])).toEqual({ name: 'help', topic: undefined });
    expect(parseCommandLine(['--help'])).toEqual({ name: 'help', topic: undefined });
    expect(parseCommandLine(['help', 'compare'])).toEqual({ name: 'help', topic: 'compare' });
    expect(parseCommandLine(['up', '-h'])).toEqual({ name: 'help', topic: 'up' });
    expect(parseCommandLine(['demo', '--help'])).toEqual({ name: 'help', topic: 'demo' });
  });

  it.each([
    [['deploy'], 'unknown command "deploy"; the commands are up, compare, drill, demo, bench'],
    [['drill'], 'authlab drill takes one drill name, one of restart-replica, redis-outage'],
    [['drill', 'flood'], 'the drill name must be one of restart-replica, redis-outage, auth-outage'],
    [['compare', '--drill', 'flood'], '--drill must be one of restart-replica'],
    [['compare', '--modes', 'least-conn'], '--modes takes a comma-separated list of round-robin, ip-hash'],
    [['compare', '--cluster', 'kubernetes'], '--cluster must be local or compose, got "kubernetes"'],
    [
      ['up', '--address-block', '127.1'],
      '--address-block must be the first two octets of a loopback address other than 127.1',
    ],
    [['up', '--address-block', '10.0'], '--address-block must be the first two octets of a loopback address'],
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
    [['compare', '--url', 'http://127.0.0.1:8080/jwt'], "--url must be a listener's origin without a path"],
    [['compare', '--url', 'not a url'], '--url must be a URL such as http://127.0.0.1:8080, got "not a url"'],
    [['compare', '--colour'], "Unknown option '--colour'"],
    [['up', '--jwt-algorithm', 'RS256'], '--jwt-algorithm must be one of HS256, EdDSA, got "RS256"'],
    [
      ['up', '--jwks-max-age-seconds', '5'],
      '--jwks-max-age-seconds applies to --jwt-algorithm EdDSA only: HS256 replicas fetch no JWKS',
    ],
    [
      ['up', '--jwt-algorithm', 'EdDSA', '--jwks-max-age-seconds', '0'],
      '--jwks-max-age-seconds must be an integer from 1 to 3600, got "0"',
    ],
    [['drill', 'rotate-keys', '--replica', 'api-2'], "Unknown option '--replica'"],
    [
      ['up', '--jwt-algorithm', 'EdDSA', '--jwks-max-age-seconds', '5', '--jwks-cooldown-seconds', '6'],
      '--jwks-cooldown-seconds must not exceed --jwks-max-age-seconds (5), got "6"',
    ],
    [
      ['demo', '--jwks-cooldown-seconds', '1'],
      '--jwks-cooldown-seconds applies to --jwt-algorithm EdDSA only: HS256 replicas fetch no JWKS',
    ],
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

  it('describes the signing options and rotate-keys', async () => {
    const up = await runCaptured(['up', '--help']);
    const drill = await runCaptured(['drill', 'rotate-keys', '--help']);

    expect(up.stdout).toContain('--jwt-algorithm HS256|EdDSA');
    expect(up.stdout).toContain('how the auth service signs access tokens (default HS256)');
    expect(up.stdout).toContain('(default 30); rotate-keys waits about twice this long');
    expect(up.stdout).toContain("(default 1; the replicas' own default is 30)");
    expect(drill.stdout).toContain('authlab drill rotate-keys');
    expect(drill.stdout).toContain('needs a cluster started with authlab up --jwt-algorithm EdDSA');
  });

  it('exits with 1 from rotate-keys without a cluster', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'authlab-cli-'));
    const stateFile = join(folder, 'cluster.json');
    try {
      const result = await runCaptured(['drill', 'rotate-keys'], { AUTHLAB_STATE_FILE: stateFile });

      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        `authlab drill rotate-keys: no running cluster announced in ${stateFile}: start one with authlab up (drills need its control channel)\n`,
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('exits with 2 from rotate-keys on an HS256 cluster', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'authlab-cli-'));
    const stateFile = join(folder, 'cluster.json');
    // A state file as authlab up writes it for an HS256 cluster; this process stands in for authlab up.
    await writeFile(
      stateFile,
      JSON.stringify({
        formatVersion: 1,
        pid: process.pid,
        mode: 'local',
        startedAt: new Date().toISOString(),
        controlUrl: 'http://127.0.0.1:1',
        controlToken: 'unused',
        urls: {
          balancer: 'http://127.0.0.1:1',
          auth: 'http://127.0.0.1:1',
          replicas: [],
          redis: 'redis://127.0.0.1:1',
        },
        replicaIds: [],
        jwtAlgorithm: 'HS256',
      }),
    );
    try {
      const result = await runCaptured(['drill', 'rotate-keys'], { AUTHLAB_STATE_FILE: stateFile });

      expect(result.status).toBe(2);
      expect(result.stderr).toContain('the running cluster signs tokens with HS256');
      expect(result.stderr).toContain('start authlab up --jwt-algorithm EdDSA');
      expect(result.stderr).toContain('counterpart of this drill is authlab drill secret-mismatch');
      expect(result.stdout).toBe('');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
