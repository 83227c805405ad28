import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFile,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { findFreePort, type RedisServer, waitUntil } from '@authlab/cluster';
// CommonJS with `module.exports = factory` and `factory.default = factory`: under NodeNext TypeScript
// types the default import as the module object, so the factory is called as `dockerignore.default`.
import dockerignore from '@balena/dockerignore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../support/compose-cluster.js';
import { startTestRedis } from '../support/redis.js';
import { readDefaultLab, serviceOf } from './compose-model.js';

/** One `FROM workspace AS <name>-build` stage of the Dockerfile and the build-service.sh line it runs. */
interface BuildStage {
  readonly image: string;
  readonly packageDir: string;
}

const BUILD_TIMEOUT_MS = 5 * 60_000;
/** Where the web-build stage leaves the dashboard, relative to the workspace; the nginx stage copies it. */
const WEB_DIST = 'services/web/dist';
const SECRETS_MOUNT = '/run/secrets/authlab';

/** Reads the build stages from the Dockerfile, so the test runs exactly the steps the images run. */
async function readBuildStages(): Promise<BuildStage[]> {
  const dockerfile = await readFile(join(REPOSITORY_ROOT, 'Dockerfile'), 'utf8');
  const stage =
    /^FROM workspace AS ([a-z-]+)-build\nRUN sh deploy\/compose\/build-service\.sh (\S+) \/deployed$/gm;
  return [...dockerfile.matchAll(stage)].map(([, image, packageDir]) => ({
    image: image!,
    packageDir: packageDir!,
  }));
}

/** Reads the command of the Dockerfile's web-build stage, which builds the dashboard for the nginx image. */
async function readWebBuildCommand(): Promise<string | undefined> {
  const dockerfile = await readFile(join(REPOSITORY_ROOT, 'Dockerfile'), 'utf8');
  return /^FROM workspace AS web-build\nRUN (.+)$/m.exec(dockerfile)?.[1];
}

/**
 * Copies the repository into `target` as Docker sends it to the builder: every file that .dockerignore
 * does not exclude. A folder is skipped without a look inside only when it is excluded and no `!` rule
 * could bring back something below it, as Docker does.
 */
async function copyBuildContext(target: string): Promise<void> {
  const rulesText = await readFile(join(REPOSITORY_ROOT, '.dockerignore'), 'utf8');
  const rules = dockerignore.default().add(rulesText);
  const exceptions = rulesText
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('!'))
    .map((line) => line.slice(1).replace(/\/$/, ''));

  async function walk(relativeDir: string): Promise<void> {
    for (const entry of await readdir(join(REPOSITORY_ROOT, relativeDir), { withFileTypes: true })) {
      const path = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      const excluded = rules.ignores(path);
      if (entry.isDirectory()) {
        const mayHoldExceptions = exceptions.some((exception) => exception.startsWith(`${path}/`));
        if (!excluded || mayHoldExceptions) {
          await walk(path);
        }
      } else if (!excluded) {
        await mkdir(dirname(join(target, path)), { recursive: true });
        await copyFile(join(REPOSITORY_ROOT, path), join(target, path));
      }
    }
  }

  await walk('');
}

/** Lists the symbolic links under `root` whose target lies outside `root`. */
async function findLinksLeaving(root: string): Promise<string[]> {
  const leaving: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        const target = resolve(dir, await readlink(path));
        if (relative(root, target).startsWith('..')) {
          leaving.push(`${relative(root, path)} -> ${target}`);
        }
      } else if (entry.isDirectory()) {
        await walk(path);
      }
    }
  }
  await walk(root);
  return leaving;
}

/** Runs the healthcheck command of a compose service on this machine, with the container's variables. */
function runHealthcheck(serviceName: string, environment: Record<string, string>): number | null {
  const [, command, ...args] = serviceOf(readDefaultLab(), serviceName).healthcheck!.test;
  expect(command).toBe('node');
  const result = spawnSync(process.execPath, args, {
    env: { PATH: process.env.PATH, ...environment },
    timeout: 5_000,
  });
  return result.status;
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode);
  }
  return new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
}

describe('deploy/compose/build-service.sh', () => {
  let workDir: string;
  let stages: BuildStage[];
  const buildOutput = new Map<string, { status: number | null; output: string }>();
  let webBuildCommand: string | undefined;
  let webBuild: { status: number | null; output: string } | undefined;
  let redis: RedisServer | undefined;
  const children: ChildProcess[] = [];

  /** Starts a deployed service with `node` from its folder and collects what it prints. */
  function startDeployed(image: string, args: string[], environment: Record<string, string>) {
    const child = spawn(process.execPath, args, {
      cwd: join(workDir, 'deployed', image),
      env: { PATH: process.env.PATH, ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    return { child, output: () => output };
  }

  /**
   * Returns a service's environment from docker-compose.yml for a run on this machine. `overrides` replace
   * the addresses. Every secret file of the volume becomes a file in the work folder with the content that
   * secrets-init writes: 32 random bytes as 64 hex digits.
   */
  async function composeEnvironmentOnLoopback(
    serviceName: string,
    overrides: Record<string, string>,
  ): Promise<Record<string, string>> {
    const environment: Record<string, string> = { ...serviceOf(readDefaultLab(), serviceName).environment };
    const secretsDir = await mkdtemp(join(workDir, 'secrets-'));
    for (const [variable, value] of Object.entries(environment)) {
      if (variable.endsWith('_FILE') && value.startsWith(`${SECRETS_MOUNT}/`)) {
        const file = join(secretsDir, value.slice(SECRETS_MOUNT.length + 1));
        await writeFile(file, randomBytes(32).toString('hex'), { mode: 0o400 });
        environment[variable] = file;
      }
    }
    return { ...environment, LOG_LEVEL: 'warn', ...overrides };
  }

  async function waitUntilHealthy(
    serviceName: string,
    environment: Record<string, string>,
    deployed: { child: ChildProcess; output: () => string },
  ) {
    const { child } = deployed;
    await waitUntil(
      async () => {
        if (child.exitCode !== null) {
          throw new Error(
            `${serviceName} exited with code ${child.exitCode}; its output:\n${deployed.output()}`,
          );
        }
        return runHealthcheck(serviceName, environment) === 0;
      },
      { timeoutMs: 20_000, intervalMs: 250, description: `the ${serviceName} healthcheck to pass` },
    );
  }

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'authlab-build-service-'));
    const context = join(workDir, 'context');
    await copyBuildContext(context);
    stages = await readBuildStages();

    // Each stage starts from the same context, as each Docker stage starts from the workspace stage.
    for (const stage of stages) {
      const result = spawnSync(
        'sh',
        ['deploy/compose/build-service.sh', stage.packageDir, join(workDir, 'deployed', stage.image)],
        {
          cwd: context,
          env: { ...process.env, CI: 'true' },
          encoding: 'utf8',
          timeout: BUILD_TIMEOUT_MS,
        },
      );
      buildOutput.set(stage.image, { status: result.status, output: `${result.stdout}\n${result.stderr}` });
    }

    // The web-build stage, then the folder that the nginx stage copies out of it.
    webBuildCommand = await readWebBuildCommand();
    if (webBuildCommand !== undefined) {
      const result = spawnSync('sh', ['-c', webBuildCommand], {
        cwd: context,
        env: { ...process.env, CI: 'true' },
        encoding: 'utf8',
        timeout: BUILD_TIMEOUT_MS,
      });
      webBuild = { status: result.status, output: `${result.stdout}\n${result.stderr}` };
      if (result.status === 0) {
        await cp(join(context, WEB_DIST), join(workDir, 'web'), { recursive: true });
      }
    }

    // The deployed folders must run without the workspace they were built in, as in the runtime images.
    await rm(context, { recursive: true, force: true });
  }, BUILD_TIMEOUT_MS * 4);

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await waitForExit(child);
      }
    }
    await redis?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('Dockerfile builds auth, api and cli with the script', () => {
    expect(stages).toEqual([
      { image: 'auth', packageDir: 'services/auth' },
      { image: 'api', packageDir: 'services/api' },
      { image: 'cli', packageDir: 'packages/cli' },
    ]);
  });

  it.each(['auth', 'api', 'cli'])('%s build succeeds', (image) => {
    const result = buildOutput.get(image);

    expect(result?.output).toContain(`build-service: deployed @authlab/${image}`);
    expect(result?.status).toBe(0);
  });

  it.each(['auth', 'api', 'cli'])('%s folder holds production dependencies only', async (image) => {
    const folder = join(workDir, 'deployed', image);
    const installed = await readdir(join(folder, 'node_modules/.pnpm'));

    for (const devOnly of ['typescript@', 'vitest@', '@biomejs+biome@', 'testcontainers@']) {
      expect(
        installed.filter((name) => name.startsWith(devOnly)),
        devOnly,
      ).toEqual([]);
    }
    expect(await findLinksLeaving(folder)).toEqual([]);
    expect((await lstat(join(folder, 'dist'))).isDirectory()).toBe(true);
  });

  it('auth folder starts with node and passes its healthcheck', async () => {
    // The auth service stores refresh tokens in Redis and reports ready only while Redis replies.
    redis ??= await startTestRedis();
    const environment = await composeEnvironmentOnLoopback('auth', {
      AUTH_HOST: '127.0.0.1',
      AUTH_PORT: String(await findFreePort()),
      AUTH_REDIS_URL: redis.url,
    });
    const auth = startDeployed('auth', ['dist/server.js'], environment);

    await waitUntilHealthy('auth', environment, auth);
    auth.child.kill('SIGTERM');

    // tini in the image sends SIGTERM on `docker compose stop`; the service closes and exits cleanly.
    expect(await waitForExit(auth.child)).toBe(0);
  });

  it('api folder starts with node and passes its healthcheck', async () => {
    redis ??= await startTestRedis();
    const environment = await composeEnvironmentOnLoopback('api-1', {
      API_HOST: '127.0.0.1',
      API_PORT: String(await findFreePort()),
      API_REDIS_URL: redis.url,
    });
    const api = startDeployed('api', ['dist/server.js'], environment);

    await waitUntilHealthy('api-1', environment, api);
    api.child.kill('SIGTERM');

    expect(await waitForExit(api.child)).toBe(0);
  });

  it('web build writes the dashboard for nginx', async () => {
    expect(webBuildCommand).toBeDefined();
    expect(webBuild?.output).toContain('built in');
    expect(webBuild?.status).toBe(0);

    const index = await readFile(join(workDir, 'web/index.html'), 'utf8');
    const assets = await readdir(join(workDir, 'web/assets'));
    // Relative asset paths, so the page loads from the root of its own listener.
    expect(index).toMatch(/src="\.\/assets\/[^"]+\.js"/);
    expect(assets.some((name) => name.endsWith('.js'))).toBe(true);
    expect(assets.some((name) => name.endsWith('.css'))).toBe(true);
  });

  it('cli folder runs the authlab command', async () => {
    const cli = startDeployed('cli', ['dist/bin.js', '--help'], {});

    expect(await waitForExit(cli.child)).toBe(0);
    expect(cli.output()).toContain('compare');
  });
});
