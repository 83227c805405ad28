import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BalancerListener,
  type BalancerMode,
  type NginxConfigOptions,
  renderNginxConfig,
} from '../src/index.js';

const NGINX = [
  '/usr/sbin/nginx',
  '/usr/local/sbin/nginx',
  '/opt/homebrew/bin/nginx',
  '/usr/local/bin/nginx',
].find((path) => existsSync(path));
const RUNS_AS_ROOT = process.getuid?.() === 0;

const LOCAL_OPTIONS: NginxConfigOptions = {
  target: 'local',
  runDir: '/tmp/authlab-nginx',
  replicaServers: ['127.0.11.1:3000', '127.0.11.2:3000', '127.0.11.3:3000'],
  authServer: '127.0.10.1:4000',
  proxyBind: '127.0.0.1',
  workerUser: RUNS_AS_ROOT ? 'nobody nogroup' : undefined,
};

const ALL_LISTENERS: readonly BalancerListener[] = [
  { mode: 'round-robin', host: '127.0.0.1', port: 8080 },
  { mode: 'ip-hash', host: '127.0.0.1', port: 8081 },
  { mode: 'cookie-hash', host: '127.0.0.1', port: 8082 },
  { mode: 'sticky-route', host: '127.0.0.1', port: 8083 },
];

/** Runs `nginx -t` on `config` inside `dir`; returns nginx's exit status and output. */
async function testNginxConfig(
  dir: string,
  config: string,
): Promise<{ status: number | null; output: string }> {
  const file = join(dir, 'nginx.conf');
  await writeFile(file, config);
  // stdout goes to /dev/null: nginx cannot open /dev/stdout (the compose access log) on a socket.
  const result = spawnSync(NGINX!, ['-t', '-p', dir, '-c', file, '-e', 'stderr'], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return { status: result.status, output: result.stderr };
}

describe('renderNginxConfig', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'authlab-balancer-'));
    // Workers running as nobody must be able to reach the temporary folders inside.
    await chmod(dir, 0o755);
    await mkdir(join(dir, 'temp'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders the same text for the same options', () => {
    expect(renderNginxConfig(LOCAL_OPTIONS)).toBe(renderNginxConfig({ ...LOCAL_OPTIONS }));
  });

  it('renders the round-robin listener and both upstreams', () => {
    const config = renderNginxConfig({ ...LOCAL_OPTIONS, runDir: dir });

    expect(config).toContain('listen 127.0.0.1:8080;');
    expect(config).toContain('server 127.0.11.3:3000 max_fails=1 fail_timeout=5s;');
    expect(config).toContain('server 127.0.10.1:4000 max_fails=1 fail_timeout=5s;');
    expect(config).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    expect(config).toContain('proxy_next_upstream error timeout http_502;');
    expect(config).toContain('proxy_bind 127.0.0.1;');
    expect(config).toContain(`access_log ${dir}/access.log authlab_json;`);
    expect(config).not.toContain('{{');
  });

  it.skipIf(NGINX === undefined)('passes nginx -t for the local target', async () => {
    const result = await testNginxConfig(dir, renderNginxConfig({ ...LOCAL_OPTIONS, runDir: dir }));

    expect(result.output).toContain('test is successful');
    expect(result.status).toBe(0);
  });

  it.skipIf(NGINX === undefined)('passes nginx -t with every balancer mode', async () => {
    const config = renderNginxConfig({ ...LOCAL_OPTIONS, runDir: dir, listeners: ALL_LISTENERS });
    const result = await testNginxConfig(dir, config);

    expect(result.output).toContain('test is successful');
    expect(result.status).toBe(0);
  });

  it('hashes the first three octets in ip-hash mode', () => {
    const config = renderNginxConfig({ ...LOCAL_OPTIONS, runDir: dir, listeners: ALL_LISTENERS });

    expect(config).toContain('upstream authlab_replicas_ip_hash {\n        ip_hash;');
  });

  it('hashes the session cookies in cookie-hash mode', () => {
    const config = renderNginxConfig({ ...LOCAL_OPTIONS, runDir: dir, listeners: ALL_LISTENERS });

    expect(config).toContain(
      'upstream authlab_replicas_cookie_hash {\n        hash "$cookie_sid_memory|$cookie_sid_redis|$cookie_sid_cookie" consistent;',
    );
  });

  it('routes sticky-route by the route cookie with backups', () => {
    const config = renderNginxConfig({ ...LOCAL_OPTIONS, runDir: dir, listeners: ALL_LISTENERS });

    expect(config).toContain('map $cookie_route $authlab_route_upstream {');
    expect(config).toContain('default authlab_replicas_sticky_route;');
    expect(config).toContain('api-2 authlab_route_api_2;');
    expect(config).toMatch(
      /upstream authlab_route_api_2 \{\n\s+server 127\.0\.11\.2:3000 max_fails=1 fail_timeout=5s;\n\s+server 127\.0\.11\.1:3000 max_fails=1 fail_timeout=5s backup;\n\s+server 127\.0\.11\.3:3000 max_fails=1 fail_timeout=5s backup;/,
    );
    expect(config).toContain('proxy_pass http://$authlab_route_upstream;');
    expect(config).toContain('proxy_pass http://authlab_replicas_round_robin;');
  });

  it('sizes the upstream keepalive pools by replica count', () => {
    const config = renderNginxConfig({ ...LOCAL_OPTIONS, runDir: dir, listeners: ALL_LISTENERS });
    const single = renderNginxConfig({ ...LOCAL_OPTIONS, runDir: dir, replicaServers: ['127.0.11.1:3000'] });

    expect(config).toMatch(/upstream authlab_replicas_round_robin \{[^}]*\n\s+keepalive 192;/);
    expect(config).toMatch(/upstream authlab_replicas_ip_hash \{[^}]*\n\s+keepalive 192;/);
    expect(config).toMatch(/upstream authlab_route_api_2 \{[^}]*\n\s+keepalive 64;/);
    expect(config).toMatch(/upstream authlab_auth \{[^}]*\n\s+keepalive 8;/);
    expect(single).toMatch(/upstream authlab_replicas_round_robin \{[^}]*\n\s+keepalive 64;/);
  });

  it('leaves the route map out without a sticky-route listener', () => {
    const config = renderNginxConfig({ ...LOCAL_OPTIONS, runDir: dir });

    expect(config).not.toContain('$cookie_route');
    expect(config).not.toContain('authlab_route_api_1');
  });

  it('rejects replica ids that do not match the servers', () => {
    expect(() => renderNginxConfig({ ...LOCAL_OPTIONS, replicaIds: ['api-1'] })).toThrow(
      'replicaIds must name each of the 3 replicaServers once, got 1 ids',
    );
    expect(() => renderNginxConfig({ ...LOCAL_OPTIONS, replicaIds: ['api-1', 'api 2', 'api-3'] })).toThrow(
      'a replica id must be lowercase letters, digits and dashes, like api-1, got "api 2"',
    );
  });

  it.skipIf(NGINX === undefined)('passes nginx -t for the compose target', async () => {
    // The compose defaults point at the paths of the nginx image; here they point into the test folder.
    const config = renderNginxConfig({
      target: 'compose',
      replicaServers: ['localhost:3001', 'localhost:3002'],
      authServer: 'localhost:4000',
      resolver: '127.0.0.11 valid=10s ipv6=off',
      pidPath: join(dir, 'nginx.pid'),
      tempDir: join(dir, 'temp'),
      workerUser: RUNS_AS_ROOT ? 'nobody nogroup' : undefined,
    });
    const result = await testNginxConfig(dir, config);

    expect(config).toContain('listen 8080;');
    expect(config).toContain('resolver 127.0.0.11 valid=10s ipv6=off;');
    expect(config).not.toContain('proxy_bind');
    expect(result.output).toContain('test is successful');
    expect(result.status).toBe(0);
  });

  it('uses the nginx image paths for the compose target by default', () => {
    const config = renderNginxConfig({
      target: 'compose',
      replicaServers: ['api-1:3000'],
      authServer: 'auth:4000',
    });

    expect(config).toContain('user nginx;');
    expect(config).toContain('pid /var/run/nginx.pid;');
    expect(config).toContain('proxy_temp_path /var/cache/nginx/proxy;');
    expect(config).toContain('server api-1:3000 max_fails=1 fail_timeout=5s;');
  });

  it('re-resolves every upstream name when resolveUpstreams is set', () => {
    const config = renderNginxConfig({
      target: 'compose',
      replicaServers: ['api-1:3000', 'api-2:3000'],
      authServer: 'auth:4000',
      resolver: '127.0.0.11 valid=5s ipv6=off',
      resolveUpstreams: true,
    });

    expect(config).toContain('zone authlab_auth 64k;');
    expect(config).toContain('server auth:4000 resolve max_fails=1 fail_timeout=5s;');
    expect(config).toContain('zone authlab_replicas_round_robin 64k;');
    expect(config).toContain('server api-2:3000 resolve max_fails=1 fail_timeout=5s;');
  });

  it('resolves upstream names once by default', () => {
    const config = renderNginxConfig({
      target: 'compose',
      replicaServers: ['api-1:3000'],
      authServer: 'auth:4000',
    });

    expect(config).not.toContain(' resolve ');
    expect(config).not.toContain('zone ');
  });

  it('rejects resolveUpstreams without a resolver', () => {
    expect(() =>
      renderNginxConfig({
        target: 'compose',
        replicaServers: ['api-1:3000'],
        authServer: 'auth:4000',
        resolveUpstreams: true,
      }),
    ).toThrow(new TypeError('resolveUpstreams needs a resolver, for example "127.0.0.11 valid=5s ipv6=off"'));
  });

  it('rejects a local config without a run folder', () => {
    const { runDir: _runDir, ...withoutRunDir } = LOCAL_OPTIONS;

    expect(() => renderNginxConfig(withoutRunDir)).toThrow(
      new TypeError('the local target needs runDir, or both pidPath and tempDir'),
    );
  });

  it('rejects values that would change the config structure', () => {
    expect(() => renderNginxConfig({ ...LOCAL_OPTIONS, replicaServers: ['127.0.11.1:3000; evil'] })).toThrow(
      'upstream address must be host:port or name:port, got "127.0.11.1:3000; evil"',
    );
    expect(() => renderNginxConfig({ ...LOCAL_OPTIONS, runDir: '/tmp/a b' })).toThrow(
      'pidPath must be an absolute path without spaces',
    );
    expect(() => renderNginxConfig({ ...LOCAL_OPTIONS, workerUser: 'nobody;' })).toThrow(
      'workerUser must be plain words separated by single spaces, got "nobody;"',
    );
  });

  it('rejects an empty replica list', () => {
    expect(() => renderNginxConfig({ ...LOCAL_OPTIONS, replicaServers: [] })).toThrow(
      'replicaServers must list at least one replica',
    );
  });

  it('rejects two listeners on one port', () => {
    expect(() =>
      renderNginxConfig({
        ...LOCAL_OPTIONS,
        listeners: [
          { mode: 'round-robin', port: 8080 },
          { mode: 'ip-hash', port: 8080 },
        ],
      }),
    ).toThrow('each listener needs its own mode and port, got ip-hash on 8080 twice');
  });

  it('rejects an unknown balancer mode', () => {
    expect(() =>
      renderNginxConfig({
        ...LOCAL_OPTIONS,
        listeners: [{ mode: 'least-conn' as BalancerMode, port: 8083 }],
      }),
    ).toThrow(
      'balancer mode must be one of round-robin, ip-hash, cookie-hash, sticky-route, got "least-conn"',
    );
  });
});
