import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ClusterDriver,
  type ClusterHandle,
  type ClusterUrls,
  findFreePort,
  isPortOpen,
  probeHttpStatus,
  waitUntil,
} from '@authlab/cluster';
import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { parse } from 'yaml';

/** The repository root, which is also the compose project folder. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The compose files of a test cluster: the lab itself, plus published ports for the auth service, the
 * replicas and Redis, which the cluster handle's URLs point at.
 */
export const COMPOSE_FILES = ['docker-compose.yml', 'deploy/compose/published-ports.yml'] as const;

export const COMPOSE_REPLICA_IDS = ['api-1', 'api-2', 'api-3'] as const;

/**
 * The variable that sets the host port of each balancer listener of docker-compose.yml, by balancer mode.
 * The defaults are the local cluster's ports, 8080 to 8083.
 */
export const COMPOSE_BALANCER_PORT_VARIABLES = Object.freeze({
  'round-robin': 'AUTHLAB_BALANCER_PORT',
  'ip-hash': 'AUTHLAB_IP_HASH_PORT',
  'cookie-hash': 'AUTHLAB_COOKIE_HASH_PORT',
  'sticky-route': 'AUTHLAB_STICKY_ROUTE_PORT',
} as const);

type ComposeBalancerMode = keyof typeof COMPOSE_BALANCER_PORT_VARIABLES;

/** The variable that sets the host port of the dashboard's listener, 8088 by default as in the local cluster. */
export const COMPOSE_DASHBOARD_PORT_VARIABLE = 'AUTHLAB_DASHBOARD_PORT';

/** Where the services of docker-compose.yml find their secret files, inside the containers. */
const SECRETS_MOUNT = '/run/secrets/authlab';

/**
 * Maximum time for `startComposeCluster`. The first run builds the images, which takes minutes on a
 * two-core machine; give the hook that starts the cluster at least this long.
 */
export const COMPOSE_START_TIMEOUT_MS = 15 * 60_000;

const DEFAULTS = Object.freeze({
  readyTimeoutMs: 60_000,
  stopTimeoutMs: 10_000,
  commandTimeoutMs: 120_000,
  keptLogLineCount: 5_000,
});

/** Whether this machine can run the compose provider, and why not when it cannot. */
export type ComposeSupport =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string };

let dockerEngineProbe: Promise<ComposeSupport> | undefined;
let composeProbe: Promise<ComposeSupport> | undefined;

/** Checks once per process whether testcontainers can reach a Docker engine. */
export function probeDockerEngine(): Promise<ComposeSupport> {
  dockerEngineProbe ??= (async (): Promise<ComposeSupport> => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      await getContainerRuntimeClient();
      return { available: true };
    } catch (error) {
      return {
        available: false,
        reason: `no Docker engine is reachable (testcontainers: ${(error as Error).message})`,
      };
    }
  })();
  return dockerEngineProbe;
}

/** Checks once per process for a Docker engine and for the `docker compose` command. */
export function probeComposeSupport(): Promise<ComposeSupport> {
  composeProbe ??= (async (): Promise<ComposeSupport> => {
    const engine = await probeDockerEngine();
    if (!engine.available) {
      return engine;
    }
    const version = await runCommand('docker', ['compose', 'version'], { timeoutMs: 10_000 });
    if (version.exitCode !== 0) {
      return {
        available: false,
        reason: `the docker compose command is missing or failed (${firstLine(version.output)}); install the Docker Compose plugin`,
      };
    }
    return { available: true };
  })();
  return composeProbe;
}

export interface ComposeClusterOptions {
  /** Compose project name; a new random one by default, so that a test cluster never meets `docker compose up`. */
  readonly projectName?: string;
  /** Rebuild the images before starting (`up --build`). Default true, so the cluster runs the current code. */
  readonly build?: boolean;
  /** Maximum wait for a restarted part to become ready. Default 60,000 ms. */
  readonly readyTimeoutMs?: number;
  /** LOG_LEVEL of the services. Default `info`. */
  readonly logLevel?: string;
}

interface Ports {
  readonly balancers: Readonly<Record<ComposeBalancerMode, number>>;
  readonly dashboard: number;
  readonly auth: number;
  readonly redis: number;
  readonly replicas: Readonly<Record<string, number>>;
}

/**
 * Starts docker-compose.yml through testcontainers' compose support and resolves with the same cluster
 * handle as the local cluster once every container is healthy. Every published port is a free port on
 * 127.0.0.1, and the lab network gets a random subnet under 10.213.0.0/16, so a test cluster runs next to
 * a lab started by hand.
 *
 * NOTE: the free ports are picked on this machine, so the Docker engine must run here too, not on a remote
 * host.
 */
export async function startComposeCluster(options: ComposeClusterOptions = {}): Promise<ClusterHandle> {
  const support = await probeComposeSupport();
  if (!support.available) {
    throw new Error(`the compose cluster cannot start: ${support.reason}`);
  }

  const ports = await pickPorts();
  const projectName = options.projectName ?? `authlab-test-${randomInt(1_000_000)}`;
  const environment: Record<string, string> = {
    AUTHLAB_AUTH_PORT: String(ports.auth),
    AUTHLAB_REDIS_PORT: String(ports.redis),
    // Also moves the dashboard's origin in the CORS allowlists of the auth service and the replicas.
    [COMPOSE_DASHBOARD_PORT_VARIABLE]: String(ports.dashboard),
    AUTHLAB_SUBNET_PREFIX: `10.213.${randomInt(89, 255)}`,
    LOG_LEVEL: options.logLevel ?? 'info',
  };
  for (const [mode, variable] of Object.entries(COMPOSE_BALANCER_PORT_VARIABLES)) {
    environment[variable] = String(ports.balancers[mode as ComposeBalancerMode]);
  }
  for (const id of COMPOSE_REPLICA_IDS) {
    environment[`AUTHLAB_${id.toUpperCase().replace('-', '_')}_PORT`] = String(ports.replicas[id]);
  }

  const { DockerComposeEnvironment, Wait } = await import('testcontainers');
  let compose = new DockerComposeEnvironment(REPOSITORY_ROOT, [...COMPOSE_FILES])
    .withProjectName(projectName)
    .withEnvironment(environment)
    // Every long-running container of the lab has a healthcheck; secrets-init has exited by then.
    .withDefaultWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(DEFAULTS.readyTimeoutMs);
  if (options.build ?? true) {
    compose = compose.withBuild();
  }
  const started = await compose.up();
  const overrideDir = await mkdtemp(join(tmpdir(), 'authlab-compose-'));

  return new ComposeCluster(started, projectName, environment, ports, overrideDir, {
    readyTimeoutMs: options.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
  }).toHandle();
}

async function pickPorts(): Promise<Ports> {
  const host = '127.0.0.1';
  const replicas: Record<string, number> = {};
  for (const id of COMPOSE_REPLICA_IDS) {
    replicas[id] = await findFreePort(host);
  }
  const balancers = {} as Record<ComposeBalancerMode, number>;
  for (const mode of Object.keys(COMPOSE_BALANCER_PORT_VARIABLES) as ComposeBalancerMode[]) {
    balancers[mode] = await findFreePort(host);
  }
  return {
    balancers,
    dashboard: await findFreePort(host),
    auth: await findFreePort(host),
    redis: await findFreePort(host),
    replicas,
  };
}

/** One running compose project and the `docker compose` commands that drive it. */
class ComposeCluster {
  private stopping: Promise<void> | undefined;
  private redisStopped = false;

  constructor(
    private readonly started: StartedDockerComposeEnvironment,
    private readonly projectName: string,
    private readonly environment: Readonly<Record<string, string>>,
    private readonly ports: Ports,
    /** Folder for the override files of restartReplicaWithSecrets; removed on stop. */
    private readonly overrideDir: string,
    private readonly settings: { readonly readyTimeoutMs: number },
  ) {}

  toHandle(): ClusterHandle {
    const balancers: Record<string, string> = {};
    for (const [mode, port] of Object.entries(this.ports.balancers)) {
      balancers[mode] = `http://127.0.0.1:${port}`;
    }
    const urls: ClusterUrls = {
      balancer: balancers['round-robin']!,
      balancers,
      auth: `http://127.0.0.1:${this.ports.auth}`,
      replicas: COMPOSE_REPLICA_IDS.map((id) => ({ id, url: this.replicaUrl(id) })),
      redis: `redis://127.0.0.1:${this.ports.redis}`,
      // The nginx image serves the dashboard it was built with, and its config.json names these balancer ports.
      dashboard: `http://127.0.0.1:${this.ports.dashboard}`,
    };
    const driver: ClusterDriver = {
      stopReplica: (id) =>
        this.whileRunning(() => this.stopService(this.checkReplicaId(id), this.replicaPort(id))),
      startReplica: (id) => this.whileRunning(() => this.startReplica(this.checkReplicaId(id), 'start')),
      restartReplica: (id) => this.whileRunning(() => this.startReplica(this.checkReplicaId(id), 'restart')),
      stopRedis: () =>
        this.whileRunning(async () => {
          await this.stopService('redis', this.ports.redis);
          this.redisStopped = true;
        }),
      startRedis: () =>
        this.whileRunning(async () => {
          await this.compose(['start', 'redis']);
          await waitUntil(() => isPortOpen('127.0.0.1', this.ports.redis), {
            timeoutMs: this.settings.readyTimeoutMs,
            description: 'Redis to accept connections',
          });
          this.redisStopped = false;
        }),
      stopAuth: () => this.whileRunning(() => this.stopService('auth', this.ports.auth)),
      startAuth: () =>
        this.whileRunning(async () => {
          await this.compose(['start', 'auth']);
          // /readyz also checks Redis, so the auth service started while Redis is stopped counts as
          // ready once alive.
          const readinessPath = this.redisStopped ? '/healthz' : '/readyz';
          await this.waitForStatus200(`http://127.0.0.1:${this.ports.auth}${readinessPath}`);
        }),
      restartReplicaWithSecrets: (id, secrets) =>
        this.whileRunning(() => this.restartReplicaWithSecrets(this.checkReplicaId(id), secrets)),
    };

    return Object.freeze({
      mode: 'compose' as const,
      urls: Object.freeze(urls),
      replicaIds: Object.freeze([...COMPOSE_REPLICA_IDS]),
      driver: Object.freeze(driver),
      // docker-compose.yml starts Redis with --save "" --appendonly no.
      redisPersistent: false,
      readLogLines: (source: string) => this.readLogLines(source),
      stop: () => this.stop(),
    });
  }

  private stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.started.down({ removeVolumes: true, timeout: DEFAULTS.stopTimeoutMs });
      await rm(this.overrideDir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  private async whileRunning(operation: () => Promise<void>): Promise<void> {
    if (this.stopping) {
      throw new Error('the cluster is stopped: start a new one');
    }
    await operation();
  }

  private checkReplicaId(id: string): string {
    if (!(COMPOSE_REPLICA_IDS as readonly string[]).includes(id)) {
      throw new TypeError(
        `unknown replica ${JSON.stringify(id)}; this cluster has ${COMPOSE_REPLICA_IDS.join(', ')}`,
      );
    }
    return id;
  }

  private replicaPort(id: string): number {
    return this.ports.replicas[id]!;
  }

  private replicaUrl(id: string): string {
    return `http://127.0.0.1:${this.replicaPort(id)}`;
  }

  /** Stops one service and waits until its published port no longer accepts connections. */
  private async stopService(service: string, port: number): Promise<void> {
    await this.compose(['stop', '--timeout', String(DEFAULTS.stopTimeoutMs / 1_000), service]);
    await waitUntil(async () => !(await isPortOpen('127.0.0.1', port)), {
      timeoutMs: this.settings.readyTimeoutMs,
      description: `${service} to stop accepting connections on port ${port}`,
    });
  }

  private async startReplica(id: string, command: 'start' | 'restart'): Promise<void> {
    await this.compose([command, id]);
    // /readyz also checks Redis, so a replica started while Redis is stopped counts as ready once alive.
    const readinessPath = this.redisStopped ? '/healthz' : '/readyz';
    await this.waitForStatus200(`${this.replicaUrl(id)}${readinessPath}`);
  }

  /**
   * Recreates one replica with secret files of its own (`mismatched`) or with the shared ones again. An
   * override file points the replica's *_FILE variables at `<id>-<file>` and adds those files to the list
   * of secrets-init, which `docker compose run` executes first to write them (random, once per volume).
   */
  private async restartReplicaWithSecrets(id: string, secrets: 'shared' | 'mismatched'): Promise<void> {
    if (secrets !== 'shared' && secrets !== 'mismatched') {
      throw new TypeError(`secrets must be "shared" or "mismatched", got ${JSON.stringify(secrets)}`);
    }

    const files: string[] = [...COMPOSE_FILES];
    if (secrets === 'mismatched') {
      const override = await buildMismatchedSecretsOverride(id);
      const overridePath = join(this.overrideDir, `${id}-mismatched-secrets.yml`);
      // JSON is YAML, so Compose reads this file like the others.
      await writeFile(overridePath, JSON.stringify(override, null, 2));
      files.push(overridePath);
      await this.compose(['run', '--rm', '--no-deps', 'secrets-init'], files);
    }

    // --no-deps leaves Redis and the other services alone; --force-recreate restarts the replica even
    // when its settings did not change.
    await this.compose(['up', '--detach', '--no-deps', '--force-recreate', id], files);
    const readinessPath = this.redisStopped ? '/healthz' : '/readyz';
    await this.waitForStatus200(`${this.replicaUrl(id)}${readinessPath}`);
  }

  private async waitForStatus200(url: string): Promise<void> {
    await waitUntil(async () => (await probeHttpStatus(url)) === 200, {
      timeoutMs: this.settings.readyTimeoutMs,
      description: `200 from ${url}`,
    });
  }

  private async readLogLines(source: string): Promise<readonly string[]> {
    const services = ['nginx', 'redis', 'auth', 'secrets-init', ...COMPOSE_REPLICA_IDS];
    if (!services.includes(source)) {
      return [];
    }
    const result = await this.compose([
      'logs',
      '--no-color',
      '--no-log-prefix',
      '--tail',
      String(DEFAULTS.keptLogLineCount),
      source,
    ]);
    return result.output.split('\n').filter((line) => line !== '');
  }

  /** Runs `docker compose <args>` for this project and rejects with its output when it fails. */
  private async compose(
    args: readonly string[],
    files: readonly string[] = COMPOSE_FILES,
  ): Promise<CommandResult> {
    const projectArgs = [
      'compose',
      '--project-name',
      this.projectName,
      '--project-directory',
      REPOSITORY_ROOT,
    ];
    for (const file of files) {
      projectArgs.push('--file', file);
    }
    const result = await runCommand('docker', [...projectArgs, ...args], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, ...this.environment },
      timeoutMs: DEFAULTS.commandTimeoutMs,
    });
    if (result.exitCode !== 0) {
      throw new Error(
        `docker compose ${args.join(' ')} failed with exit code ${result.exitCode}: ${result.output.trim()}`,
      );
    }
    return result;
  }
}

/**
 * Builds the compose override that gives replica `id` secret files of its own. The shared file names come
 * from docker-compose.yml: the replica's *_FILE variables that point into the secrets volume, and the
 * AUTHLAB_SECRET_FILES list of secrets-init.
 */
export async function buildMismatchedSecretsOverride(id: string): Promise<Record<string, unknown>> {
  const text = await readFile(join(REPOSITORY_ROOT, 'docker-compose.yml'), 'utf8');
  const document = parse(text, { merge: true }) as { services: Record<string, ComposeServiceEnvironment> };
  const replicaEnvironment = document.services[id]?.environment ?? {};
  const sharedFiles = (document.services['secrets-init']?.environment?.AUTHLAB_SECRET_FILES ?? '').split(
    /\s+/,
  );

  const replicaOverride: Record<string, string> = {};
  const ownFiles: string[] = [];
  for (const [variable, value] of Object.entries(replicaEnvironment)) {
    if (variable.endsWith('_FILE') && value.startsWith(`${SECRETS_MOUNT}/`)) {
      const ownFile = `${id}-${value.slice(SECRETS_MOUNT.length + 1)}`;
      replicaOverride[variable] = `${SECRETS_MOUNT}/${ownFile}`;
      ownFiles.push(ownFile);
    }
  }
  if (ownFiles.length === 0) {
    throw new Error(`docker-compose.yml gives ${id} no secret files under ${SECRETS_MOUNT}`);
  }

  return {
    services: {
      'secrets-init': { environment: { AUTHLAB_SECRET_FILES: [...sharedFiles, ...ownFiles].join(' ') } },
      [id]: { environment: replicaOverride },
    },
  };
}

interface ComposeServiceEnvironment {
  readonly environment?: Readonly<Record<string, string>>;
}

interface CommandResult {
  readonly exitCode: number | null;
  /** stdout and stderr, interleaved as they arrived. */
  readonly output: string;
}

/** Runs a command to completion, or kills it after `timeoutMs`; never rejects. */
function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.once('error', (error) => resolve({ exitCode: null, output: error.message }));
    child.once('close', (exitCode, signal) => {
      const note = signal ? `\n(stopped by ${signal} after ${options.timeoutMs} ms)` : '';
      resolve({ exitCode, output: output + note });
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
