import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../support/compose-cluster.js';
import { readDefaultLab, serviceOf } from './compose-model.js';

const CONFIG_PATH = join(REPOSITORY_ROOT, 'deploy/compose/nginx.conf');
const RENDER_SCRIPT = join(REPOSITORY_ROOT, 'deploy/compose/render-nginx-config.mjs');

const NGINX = [
  '/usr/sbin/nginx',
  '/usr/local/sbin/nginx',
  '/opt/homebrew/bin/nginx',
  '/usr/local/bin/nginx',
].find((path) => existsSync(path));
const RUNS_AS_ROOT = process.getuid?.() === 0;
const ENVSUBST = ['/usr/bin/envsubst', '/usr/local/bin/envsubst', '/opt/homebrew/bin/envsubst'].find((path) =>
  existsSync(path),
);

/** The variables the nginx image fills in, with the defaults that docker-compose.yml gives them. */
const HOST_PORT_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  AUTHLAB_BALANCER_PORT: '8080',
  AUTHLAB_IP_HASH_PORT: '8081',
  AUTHLAB_COOKIE_HASH_PORT: '8082',
  AUTHLAB_STICKY_ROUTE_PORT: '8083',
});

/**
 * Does what the nginx image's entrypoint does with NGINX_ENVSUBST_FILTER=^AUTHLAB_: `envsubst` with the
 * list of defined variables whose names start with AUTHLAB_, so `${NAME}` and `$NAME` of those variables are
 * replaced and every other `$` reference stays.
 */
function fillInVariables(config: string, environment: Readonly<Record<string, string>>): string {
  return config.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced, bare) => {
      const name = (braced ?? bare) as string;
      return name.startsWith('AUTHLAB_') && name in environment ? environment[name]! : match;
    },
  );
}

/** Returns the JSON text that the dashboard's `location = /config.json` sends. */
function dashboardConfigJson(config: string): string {
  const match = /location = \/config\.json \{[^}]*return 200 '([^']*)';/.exec(config);
  expect(match, 'the location of config.json').not.toBeNull();
  return match![1]!;
}

/** nginx 1.27.3 added `resolve` on upstream server lines to open-source nginx. */
const FIRST_VERSION_WITH_RESOLVE = [1, 27, 3];

function localNginxVersion(): number[] | undefined {
  if (NGINX === undefined) {
    return undefined;
  }
  const output = spawnSync(NGINX, ['-v'], { encoding: 'utf8' }).stderr;
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(output);
  return match ? match.slice(1).map(Number) : undefined;
}

function isAtLeast(version: readonly number[], minimum: readonly number[]): boolean {
  for (let index = 0; index < minimum.length; index += 1) {
    const difference = (version[index] ?? 0) - minimum[index]!;
    if (difference !== 0) {
      return difference > 0;
    }
  }
  return true;
}

const LOCAL_VERSION = localNginxVersion();
const LOCAL_HAS_RESOLVE = LOCAL_VERSION !== undefined && isAtLeast(LOCAL_VERSION, FIRST_VERSION_WITH_RESOLVE);

/** Collects the server lines of every upstream block, with the name of the block. */
function upstreamServerLines(config: string): { upstream: string; line: string }[] {
  const lines: { upstream: string; line: string }[] = [];
  for (const [, upstream, body] of config.matchAll(/upstream (\S+) \{([^}]*)\}/g)) {
    for (const line of body!.split('\n').map((text) => text.trim())) {
      if (line.startsWith('server ')) {
        lines.push({ upstream: upstream!, line });
      }
    }
  }
  return lines;
}

/**
 * Points the image paths of the compose config into `dir`, so this machine's nginx can check it: the pid
 * file and the temporary folders, and the worker user, which the nginx image calls `nginx`.
 */
function mapImagePaths(config: string, dir: string): string {
  const workerUser = RUNS_AS_ROOT ? 'user nobody nogroup;' : '';
  return config
    .replace(/^user nginx;$/m, workerUser)
    .replace('pid /var/run/nginx.pid;', `pid ${dir}/nginx.pid;`)
    .replaceAll('/var/cache/nginx/', `${dir}/temp/`);
}

/** Runs `nginx -t` on `config`; stdout goes to /dev/null because nginx cannot open /dev/stdout on a pipe. */
async function checkWithLocalNginx(
  dir: string,
  config: string,
): Promise<{ status: number | null; output: string }> {
  const file = join(dir, 'nginx.conf');
  await writeFile(file, config);
  const result = spawnSync(NGINX!, ['-t', '-p', dir, '-c', file, '-e', 'stderr'], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return { status: result.status, output: result.stderr };
}

describe('deploy/compose/nginx.conf', () => {
  const config = readFileSync(CONFIG_PATH, 'utf8');
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'authlab-compose-nginx-'));
    // nginx workers run as the `nobody` user when the test runs as root, and must reach the folders inside.
    await chmod(dir, 0o755);
    await mkdir(join(dir, 'temp'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is the current rendering of the template', () => {
    const result = spawnSync(process.execPath, [RENDER_SCRIPT, '--check'], {
      encoding: 'utf8',
      timeout: 10_000,
    });

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('says that it is generated in its first line', () => {
    expect(config.split('\n')[0]).toBe(
      '# Rendered by deploy/compose/render-nginx-config.mjs: edit the template or that script, not this file.',
    );
  });

  it('looks upstream names up through Docker DNS with a short validity', () => {
    expect(config).toContain('    resolver 127.0.0.11 valid=5s ipv6=off;\n');
  });

  it('re-resolves every upstream server at run time', () => {
    const servers = upstreamServerLines(config);

    expect(servers.length).toBeGreaterThan(0);
    for (const { upstream, line } of servers) {
      expect(line, upstream).toMatch(/^server \S+ resolve /);
      expect(config, upstream).toMatch(new RegExp(`upstream ${upstream} \\{[^}]*zone ${upstream} \\d+k;`));
    }
  });

  it('sends requests to the compose services on their ports', () => {
    const lab = readDefaultLab();
    const addresses = new Set(upstreamServerLines(config).map(({ line }) => line.split(' ')[1]));

    expect([...addresses].sort()).toEqual(['api-1:3000', 'api-2:3000', 'api-3:3000', 'auth:4000']);
    expect(serviceOf(lab, 'auth').environment?.AUTH_PORT).toBe('4000');
    for (const name of ['api-1', 'api-2', 'api-3']) {
      expect(serviceOf(lab, name).environment?.API_PORT, name).toBe('3000');
    }
  });

  it('listens on the ports that compose publishes', () => {
    const listened = [...config.matchAll(/^ {8}listen (\d+);$/gm)].map(([, port]) => port);
    const published = (serviceOf(readDefaultLab(), 'nginx').ports ?? []).map((port) => port.split(':')[2]);

    expect(listened).toEqual(['8080', '8081', '8082', '8083', '8088']);
    expect(published).toEqual(listened);
  });

  it('serves the dashboard from the folder of the nginx image', () => {
    const dashboardServer = config.slice(config.indexOf('listen 8088;'));

    expect(dashboardServer).toMatch(/^ {8}root \/usr\/share\/nginx\/dashboard;$/m);
  });

  it('names the host port variables in the dashboard config', () => {
    const referenced = [...config.matchAll(/\$\{?(AUTHLAB_[A-Z0-9_]+)/g)].map(([, name]) => name);
    const nginxEnvironment = serviceOf(readDefaultLab(), 'nginx').environment ?? {};

    expect(referenced).toEqual(Object.keys(HOST_PORT_DEFAULTS));
    for (const [name, port] of Object.entries(HOST_PORT_DEFAULTS)) {
      expect(nginxEnvironment[name], name).toBe(port);
    }
  });

  it('gives the dashboard the published balancer ports', () => {
    const moved = fillInVariables(config, {
      AUTHLAB_BALANCER_PORT: '18080',
      AUTHLAB_IP_HASH_PORT: '18081',
      AUTHLAB_COOKIE_HASH_PORT: '18082',
      AUTHLAB_STICKY_ROUTE_PORT: '18083',
    });

    expect(JSON.parse(dashboardConfigJson(moved))).toEqual({
      balancerUrls: {
        'round-robin': 'http://$host:18080',
        'ip-hash': 'http://$host:18081',
        'cookie-hash': 'http://$host:18082',
        'sticky-route': 'http://$host:18083',
      },
      drillApiUrl: null,
    });
    expect(moved).not.toMatch(/\$\{?AUTHLAB_/);
  });

  it.skipIf(ENVSUBST === undefined)('fills in variables as envsubst does', () => {
    const variableList = Object.keys(HOST_PORT_DEFAULTS)
      .map((name) => `\${${name}}`)
      .join(' ');
    const result = spawnSync(ENVSUBST!, [variableList], {
      input: config,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...HOST_PORT_DEFAULTS },
    });

    expect(result.status).toBe(0);
    expect(result.stdout).toBe(fillInVariables(config, HOST_PORT_DEFAULTS));
  });

  it('this machine has nginx to check the config', () => {
    expect(NGINX, 'install nginx (scripts/setup does) to run the nginx -t checks').toBeDefined();
    expect(LOCAL_VERSION, `could not read the version of ${NGINX}`).toBeDefined();
  });

  it.skipIf(NGINX === undefined || !LOCAL_HAS_RESOLVE)(
    'passes nginx -t as it is (nginx 1.27.3 or later)',
    async () => {
      const result = await checkWithLocalNginx(
        dir,
        mapImagePaths(fillInVariables(config, HOST_PORT_DEFAULTS), dir),
      );

      expect(result.output).toContain('test is successful');
      expect(result.status).toBe(0);
    },
  );

  // NOTE: nginx older than 1.27.3 rejects the `resolve` parameter, so this check removes it and maps the
  // service names to loopback addresses, which such an nginx must resolve at start. Everything else in
  // the file is checked as it is; the structure checks above cover `resolve`.
  it.skipIf(NGINX === undefined)('passes nginx -t without resolve, names mapped to loopback', async () => {
    const loopbackNames: Record<string, string> = {
      'auth:4000': '127.0.10.1:4000',
      'api-1:3000': '127.0.11.1:3000',
      'api-2:3000': '127.0.11.2:3000',
      'api-3:3000': '127.0.11.3:3000',
    };
    let mapped = mapImagePaths(fillInVariables(config, HOST_PORT_DEFAULTS), dir).replaceAll(
      ' resolve max_fails=',
      ' max_fails=',
    );
    for (const [name, address] of Object.entries(loopbackNames)) {
      mapped = mapped.replaceAll(`server ${name} `, `server ${address} `);
    }

    const result = await checkWithLocalNginx(dir, mapped);

    expect(mapped).not.toMatch(/server (auth|api-\d):/);
    expect(result.output).toContain('test is successful');
    expect(result.status).toBe(0);
  });
});
