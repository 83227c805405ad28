import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { access, chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BALANCER_MODES,
  type BalancerMode,
  DEFAULT_BALANCER_PORTS,
  renderNginxConfig,
} from '@authlab/balancer';
import { type ClusterBinaries, findClusterBinaries } from './binaries.js';
import type { ClusterDriver, ClusterHandle, ClusterUrls } from './cluster-handle.js';
import { type DashboardDrillApi, startDashboardDrillApi } from './dashboard-drills.js';
import { probeHttpStatus } from './http-probe.js';
import { formatLogLine, type LogRecord } from './log-format.js';
import { describeExit, type ManagedProcess, startManagedProcess } from './managed-process.js';
import { type NginxServer, startNginxServer } from './nginx-server.js';
import { findFreePort, isPortOpen, waitUntil } from './ports.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { ClusterSigningKeys, type KeyRotationStep, type SigningKeyState } from './signing-keys.js';

export interface LocalClusterOptions {
  /** Number of replicas, `api-1` to `api-N`. Default 3. */
  readonly replicaCount?: number;
  /** Address of the balancer's `round-robin` listener. Default 127.0.0.1. */
  readonly balancerHost?: string;
  /** Port of the balancer's `round-robin` listener. Default 8080. */
  readonly balancerPort?: number;
  /**
   * Ports of the other balancer modes' listeners, on the balancer's address. Defaults: `ip-hash` 8081,
   * `cookie-hash` 8082, `sticky-route` 8083 (free ports with `freePorts`). `round-robin` takes `balancerPort`.
   */
  readonly balancerPorts?: Readonly<Partial<Record<Exclude<BalancerMode, 'round-robin'>, number>>>;
  /**
   * Runs Redis with an append-only file that survives its restarts, so a Redis outage loses no sessions.
   * Default false: Redis keeps nothing on disk and a restart loses every session it stored.
   */
  readonly redisPersistent?: boolean;
  /**
   * First two octets of the loopback addresses of the parts: auth on `<block>.10.1`, replica N on
   * `<block>.11.N`, Redis on `<block>.12.1`. Default `127.0`.
   *
   * NOTE: Linux routes all of 127.0.0.0/8 to the loopback interface, but macOS configures only 127.0.0.1,
   * so there each address needs an alias first (`sudo ifconfig lo0 alias 127.0.10.1`).
   */
  readonly addressBlock?: string;
  /** Ports of the parts. Defaults: auth 4000, every replica 3000 (each on its own address), Redis 6379. */
  readonly ports?: { readonly auth?: number; readonly replica?: number; readonly redis?: number };
  /**
   * Port of the browser dashboard's listener on the balancer host, or false to leave the dashboard out.
   * Default 8088. The dashboard needs services/web/dist (pnpm build); without it the cluster starts without
   * the dashboard and logs a note.
   */
  readonly dashboard?:
    | {
        readonly port?: number;
        /**
         * Serves the drill API under `/drills` on the dashboard's origin, so the page can stop and start
         * parts of this cluster. Default true.
         */
        readonly drills?: boolean;
      }
    | false;
  /** Picks a free port for every part, the balancer included, so that a test never meets a running demo. */
  readonly freePorts?: boolean;
  /** Receives every line any part prints, raw and rendered with its source prefix. */
  readonly onLogLine?: (record: LogRecord) => void;
  /** Maximum wait for each part to become ready. Default 30,000 ms. */
  readonly readyTimeoutMs?: number;
  /** Wait between SIGTERM and SIGKILL when stopping a part. Default 5,000 ms. */
  readonly stopGraceMs?: number;
  /** LOG_LEVEL of the services. Default `info`. */
  readonly logLevel?: string;
  /** Folder in which the cluster makes its temporary folder. Default: the system's temporary folder. */
  readonly tempParentDir?: string;
  /** Entry points of the services. Defaults: services/auth/dist/server.js and services/api/dist/server.js. */
  readonly entryPoints?: { readonly auth: string; readonly api: string };
  /**
   * How access tokens are signed. `HS256` (the default) shares one secret; `EdDSA` gives the auth service
   * an Ed25519 key directory and the replicas its JWKS URL, and enables the driver's `rotateSigningKey`.
   */
  readonly jwtAlgorithm?: 'HS256' | 'EdDSA';
  /** API_JWKS_MAX_AGE_SECONDS and API_JWKS_COOLDOWN_SECONDS of the replicas in EdDSA mode. Defaults 600 and 30. */
  readonly jwks?: { readonly maxAgeSeconds?: number; readonly cooldownSeconds?: number };
}

/** Error raised when the cluster cannot start; every part it had started is stopped again. */
export class ClusterStartError extends Error {
  readonly code = 'CLUSTER_START_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterStartError';
  }
}

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const DEFAULTS = Object.freeze({
  replicaCount: 3,
  balancerHost: '127.0.0.1',
  balancerPort: 8080,
  dashboardPort: 8088,
  addressBlock: '127.0',
  authPort: 4000,
  replicaPort: 3000,
  redisPort: 6379,
  readyTimeoutMs: 30_000,
  stopGraceMs: 5_000,
  logLevel: 'info',
  keptLogLineCount: 5_000,
  authEntryPoint: join(REPOSITORY_ROOT, 'services/auth/dist/server.js'),
  apiEntryPoint: join(REPOSITORY_ROOT, 'services/api/dist/server.js'),
  dashboardDist: join(REPOSITORY_ROOT, 'services/web/dist'),
});

// The services trust this one address as their proxy, and nginx connects to them from it (proxy_bind).
const PROXY_ADDRESS = '127.0.0.1';
const MAX_REPLICA_COUNT = 9;

interface Endpoint {
  readonly host: string;
  readonly port: number;
}

interface Topology {
  readonly balancer: Endpoint;
  /** Every listener of the balancer by mode; `round-robin` is `balancer`. */
  readonly balancers: Readonly<Record<BalancerMode, Endpoint>>;
  readonly auth: Endpoint;
  readonly redis: Endpoint;
  readonly dashboard: Endpoint | undefined;
  readonly replicas: readonly (Endpoint & { readonly id: string })[];
}

interface Settings {
  readonly replicaCount: number;
  readonly redisPersistent: boolean;
  readonly onLogLine: ((record: LogRecord) => void) | undefined;
  readonly readyTimeoutMs: number;
  readonly stopGraceMs: number;
  readonly logLevel: string;
  readonly entryPoints: { readonly auth: string; readonly api: string };
  readonly jwtAlgorithm: 'HS256' | 'EdDSA';
  readonly jwks: { readonly maxAgeSeconds: number; readonly cooldownSeconds: number };
  readonly dashboardDrills: boolean;
}

/**
 * Starts Redis, the auth service, the replicas and nginx as local processes, each on its own loopback
 * address, and resolves once every part is ready. A failure on the way stops what was already started
 * and removes the temporary folder before the error is raised.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<ClusterHandle> {
  const settings = resolveSettings(options);
  const binaries = await findClusterBinaries();
  await checkEntryPoints(settings.entryPoints);
  const topology = await planTopology(options, settings.replicaCount);

  const dir = await mkdtemp(join(options.tempParentDir ?? tmpdir(), 'authlab-cluster-'));
  // nginx workers run as nobody when the cluster runs as root; they must be able to reach nginx/temp.
  await chmod(dir, 0o711);

  const cluster = new LocalCluster(settings, binaries, topology, dir);
  try {
    await cluster.start();
  } catch (error) {
    await cluster.stop();
    throw error instanceof ClusterStartError
      ? error
      : new ClusterStartError(`the local cluster failed to start: ${(error as Error).message}`, {
          cause: error,
        });
  }
  return cluster.toHandle();
}

function resolveSettings(options: LocalClusterOptions): Settings {
  const replicaCount = options.replicaCount ?? DEFAULTS.replicaCount;
  if (!Number.isInteger(replicaCount) || replicaCount < 1 || replicaCount > MAX_REPLICA_COUNT) {
    throw new TypeError(
      `replicaCount must be an integer from 1 to ${MAX_REPLICA_COUNT}, got ${replicaCount}`,
    );
  }

  return {
    replicaCount,
    redisPersistent: options.redisPersistent ?? false,
    onLogLine: options.onLogLine,
    readyTimeoutMs: options.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
    stopGraceMs: options.stopGraceMs ?? DEFAULTS.stopGraceMs,
    logLevel: options.logLevel ?? DEFAULTS.logLevel,
    entryPoints: options.entryPoints ?? { auth: DEFAULTS.authEntryPoint, api: DEFAULTS.apiEntryPoint },
    jwtAlgorithm: options.jwtAlgorithm ?? 'HS256',
    jwks: {
      maxAgeSeconds: options.jwks?.maxAgeSeconds ?? 600,
      cooldownSeconds: options.jwks?.cooldownSeconds ?? 30,
    },
    dashboardDrills: options.dashboard === false ? false : (options.dashboard?.drills ?? true),
  };
}

async function checkEntryPoints(entryPoints: Settings['entryPoints']): Promise<void> {
  for (const path of [entryPoints.auth, entryPoints.api]) {
    try {
      await access(path);
    } catch {
      throw new ClusterStartError(`${path} was not found: build the services first with pnpm build`);
    }
  }
}

/** Chooses every address and port, and checks that nothing listens there yet. */
async function planTopology(options: LocalClusterOptions, replicaCount: number): Promise<Topology> {
  const block = options.addressBlock ?? DEFAULTS.addressBlock;
  if (!/^127\.\d{1,3}$/.test(block)) {
    throw new TypeError(
      `addressBlock must be the first two octets of a loopback address, like 127.0, got ${block}`,
    );
  }
  const balancerHost = options.balancerHost ?? DEFAULTS.balancerHost;
  const pickPort = async (host: string, fixed: number) => (options.freePorts ? findFreePort(host) : fixed);

  const balancer: Endpoint = {
    host: balancerHost,
    port: options.balancerPort ?? (await pickPort(balancerHost, DEFAULTS.balancerPort)),
  };
  const balancers = { 'round-robin': balancer } as Record<BalancerMode, Endpoint>;
  for (const mode of BALANCER_MODES) {
    if (mode !== 'round-robin') {
      const port =
        options.balancerPorts?.[mode] ?? (await pickPort(balancerHost, DEFAULT_BALANCER_PORTS[mode]));
      balancers[mode] = { host: balancerHost, port };
    }
  }

  const topology: Topology = {
    balancer,
    balancers,
    auth: {
      host: `${block}.10.1`,
      port: options.ports?.auth ?? (await pickPort(`${block}.10.1`, DEFAULTS.authPort)),
    },
    redis: {
      host: `${block}.12.1`,
      port: options.ports?.redis ?? (await pickPort(`${block}.12.1`, DEFAULTS.redisPort)),
    },
    dashboard:
      options.dashboard === false
        ? undefined
        : {
            host: balancerHost,
            port: options.dashboard?.port ?? (await pickPort(balancerHost, DEFAULTS.dashboardPort)),
          },
    replicas: await Promise.all(
      Array.from({ length: replicaCount }, async (_, index) => {
        const host = `${block}.11.${index + 1}`;
        return {
          id: `api-${index + 1}`,
          host,
          port: options.ports?.replica ?? (await pickPort(host, DEFAULTS.replicaPort)),
        };
      }),
    ),
  };

  const parts: [string, Endpoint][] = [
    ...BALANCER_MODES.map((mode): [string, Endpoint] => [`the balancer's ${mode} listener`, balancers[mode]]),
    ['the auth service', topology.auth],
    ['Redis', topology.redis],
    ...(topology.dashboard ? [['the dashboard', topology.dashboard] as [string, Endpoint]] : []),
    ...topology.replicas.map((replica): [string, Endpoint] => [replica.id, replica]),
  ];
  for (const [name, endpoint] of parts) {
    if (await isPortOpen(endpoint.host, endpoint.port)) {
      throw new ClusterStartError(
        `${endpoint.host}:${endpoint.port}, planned for ${name}, is already in use: stop the program listening there (another authlab up?), or run beside it with other addresses (--address-block 127.20 --host 127.0.0.20) or ports`,
      );
    }
  }
  return topology;
}

/** Files of the secrets a replica reads: the JWT secret, the session secret and the cookie-session key. */
interface SecretPaths {
  readonly jwt: string;
  readonly session: string;
  readonly cookieSession: string;
}

/** The processes of one local cluster and the operations on them. */
class LocalCluster {
  private redis: RedisServer | undefined;
  private auth: ManagedProcess | undefined;
  private readonly replicas = new Map<string, ManagedProcess | undefined>();
  private nginx: NginxServer | undefined;
  private drillApi: DashboardDrillApi | undefined;
  private redisGeneration = 0;
  /** Replicas restarted with secrets of their own by the secret-mismatch drill. */
  private readonly mismatchedReplicas = new Set<string>();
  private dashboardServed = false;
  private stopping: Promise<void> | undefined;
  private readonly expectedExits = new Set<ManagedProcess>();
  private readonly logLines = new Map<string, string[]>();
  private readonly sourceWidth: number;
  private readonly secretPaths: SecretPaths;
  private readonly mismatchedSecretPaths: SecretPaths;
  /** The Ed25519 key directory in EdDSA mode. */
  private readonly signingKeys: ClusterSigningKeys | undefined;
  // Runs when the parent exits without stop(), for example on a forced exit: the managed processes are
  // killed by their own hook, Redis and the temporary folder here.
  private readonly cleanUpOnExit = () => {
    this.redis?.process.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  };

  constructor(
    private readonly settings: Settings,
    private readonly binaries: ClusterBinaries,
    private readonly topology: Topology,
    private readonly dir: string,
  ) {
    const sources = ['cluster', 'nginx', 'redis', 'auth', ...topology.replicas.map((replica) => replica.id)];
    this.sourceWidth = Math.max(...sources.map((source) => source.length));
    this.secretPaths = {
      jwt: join(dir, 'secrets', 'jwt-secret'),
      session: join(dir, 'secrets', 'session-secret'),
      cookieSession: join(dir, 'secrets', 'cookie-session-key'),
    };
    this.mismatchedSecretPaths = {
      jwt: join(dir, 'secrets', 'mismatched-jwt-secret'),
      session: join(dir, 'secrets', 'mismatched-session-secret'),
      cookieSession: join(dir, 'secrets', 'mismatched-cookie-session-key'),
    };
    for (const replica of topology.replicas) {
      this.replicas.set(replica.id, undefined);
    }
    this.signingKeys =
      settings.jwtAlgorithm === 'EdDSA'
        ? new ClusterSigningKeys(join(dir, 'secrets', 'jwt-keys'))
        : undefined;
  }

  async start(): Promise<void> {
    process.on('exit', this.cleanUpOnExit);
    await this.writeSecrets();
    await this.startRedis();
    await Promise.all([
      this.startAuth(),
      ...this.topology.replicas.map((replica) => this.startReplica(replica.id)),
    ]);
    await this.startNginx();
    this.note('cluster ready');
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopEverything();
    return this.stopping;
  }

  toHandle(): ClusterHandle {
    const { balancer, auth, redis, replicas } = this.topology;
    const urls: ClusterUrls = {
      balancer: `http://${balancer.host}:${balancer.port}`,
      balancers: Object.freeze(
        Object.fromEntries(
          BALANCER_MODES.map((mode) => {
            const endpoint = this.topology.balancers[mode];
            return [mode, `http://${endpoint.host}:${endpoint.port}`];
          }),
        ),
      ),
      auth: `http://${auth.host}:${auth.port}`,
      replicas: replicas.map((replica) => ({
        id: replica.id,
        url: `http://${replica.host}:${replica.port}`,
      })),
      redis: `redis://${redis.host}:${redis.port}`,
      ...(this.dashboardServed && this.topology.dashboard
        ? { dashboard: `http://${this.topology.dashboard.host}:${this.topology.dashboard.port}` }
        : {}),
    };
    const driver = this.buildDriver();

    return Object.freeze({
      mode: 'local' as const,
      urls: Object.freeze(urls),
      replicaIds: Object.freeze(replicas.map((replica) => replica.id)),
      driver: Object.freeze(driver),
      redisPersistent: this.settings.redisPersistent,
      readLogLines: async (source: string) => [...(this.logLines.get(source) ?? [])],
      stop: () => this.stop(),
    });
  }

  /** Builds the fault-injection operations on this cluster's processes. */
  private buildDriver(): ClusterDriver {
    return {
      stopReplica: (id) => this.whileRunning(() => this.stopReplica(this.checkReplicaId(id))),
      startReplica: (id) => this.whileRunning(() => this.startReplica(this.checkReplicaId(id))),
      restartReplica: (id) =>
        this.whileRunning(async () => {
          await this.stopReplica(this.checkReplicaId(id));
          await this.startReplica(id);
        }),
      stopRedis: () => this.whileRunning(() => this.stopRedis()),
      startRedis: () => this.whileRunning(() => this.startRedis()),
      stopAuth: () => this.whileRunning(() => this.stopAuth()),
      startAuth: () => this.whileRunning(() => this.startAuth()),
      restartReplicaWithSecrets: (id, secrets) =>
        this.whileRunning(async () => {
          this.checkReplicaId(id);
          if (secrets !== 'shared' && secrets !== 'mismatched') {
            throw new TypeError(`secrets must be "shared" or "mismatched", got ${JSON.stringify(secrets)}`);
          }
          await this.stopReplica(id);
          if (secrets === 'mismatched') {
            this.mismatchedReplicas.add(id);
          } else {
            this.mismatchedReplicas.delete(id);
          }
          await this.startReplica(id);
        }),
      ...(this.signingKeys
        ? { rotateSigningKey: (step: KeyRotationStep) => this.rotateSigningKey(step) }
        : {}),
    };
  }

  private async whileRunning(operation: () => Promise<void>): Promise<void> {
    if (this.stopping) {
      throw new Error('the cluster is stopped: start a new one');
    }
    await operation();
  }

  private checkReplicaId(id: string): string {
    if (!this.replicas.has(id)) {
      throw new TypeError(
        `unknown replica ${JSON.stringify(id)}: this cluster has ${[...this.replicas.keys()].join(', ')}`,
      );
    }
    return id;
  }

  private async writeSecrets(): Promise<void> {
    await mkdir(join(this.dir, 'secrets'), { mode: 0o700 });
    // A fresh random secret per run, shared by every service of the cluster and written for its owner only.
    await writeFile(this.secretPaths.jwt, randomBytes(48).toString('base64url'), { mode: 0o600 });
    await this.signingKeys?.create();
    await writeFile(this.secretPaths.session, randomBytes(48).toString('base64url'), { mode: 0o600 });
    // cookie-session encrypts with a 32-byte key, written as base64.
    await writeFile(this.secretPaths.cookieSession, randomBytes(32).toString('base64'), { mode: 0o600 });
    // Secrets that no other part shares, for a replica restarted by the secret-mismatch drill.
    await writeFile(this.mismatchedSecretPaths.jwt, randomBytes(48).toString('base64url'), { mode: 0o600 });
    await writeFile(this.mismatchedSecretPaths.session, randomBytes(48).toString('base64url'), {
      mode: 0o600,
    });
    await writeFile(this.mismatchedSecretPaths.cookieSession, randomBytes(32).toString('base64'), {
      mode: 0o600,
    });
  }

  private async startRedis(): Promise<void> {
    if (this.redis) {
      return;
    }
    // A persistent Redis reuses one folder, so its append-only file survives the restart; otherwise each
    // start gets an empty folder of its own.
    this.redisGeneration += 1;
    const dir = join(this.dir, this.settings.redisPersistent ? 'redis' : `redis-${this.redisGeneration}`);
    await mkdir(dir, { mode: 0o700, recursive: true });
    this.redis = await startRedisServer({
      ...this.topology.redis,
      dir,
      persistent: this.settings.redisPersistent,
      binary: this.binaries.redisServer,
      onLine: (line) => this.record('redis', line),
      readyTimeoutMs: this.settings.readyTimeoutMs,
    });
  }

  private async stopRedis(): Promise<void> {
    const redis = this.redis;
    this.redis = undefined;
    await redis?.stop(this.settings.stopGraceMs);
  }

  /** Applies one key rotation step to the key directory and restarts the auth service to load it. */
  private async rotateSigningKey(step: KeyRotationStep): Promise<SigningKeyState> {
    const signingKeys = this.signingKeys!;
    let state: SigningKeyState | undefined;
    await this.whileRunning(async () => {
      state = await signingKeys.apply(step);
      await this.stopAuth();
      await this.startAuth();
    });
    this.note(
      `signing keys: ${step}, active ${state!.activeKid}, published ${state!.publishedKids.join(', ')}`,
    );
    return state!;
  }

  /** The auth service's signing variables: the shared secret file, or the EdDSA key directory. */
  private authSigningVariables(): Record<string, string> {
    if (!this.signingKeys) {
      return { AUTH_JWT_SECRET_FILE: this.secretPaths.jwt };
    }
    return {
      AUTH_JWT_ALGORITHM: 'EdDSA',
      AUTH_JWT_KEYS_DIR: this.signingKeys.directory,
      AUTH_JWT_ACTIVE_KID: this.signingKeys.state.activeKid,
    };
  }

  /** A replica's verification variables: its secret file, or the auth service's JWKS URL in EdDSA mode. */
  private replicaVerificationVariables(jwtSecretPath: string): Record<string, string> {
    if (!this.signingKeys) {
      return { API_JWT_SECRET_FILE: jwtSecretPath };
    }
    const { host, port } = this.topology.auth;
    return {
      API_JWT_ALGORITHM: 'EdDSA',
      API_JWKS_URL: `http://${host}:${port}/auth/.well-known/jwks.json`,
      API_JWKS_MAX_AGE_SECONDS: String(this.settings.jwks.maxAgeSeconds),
      API_JWKS_COOLDOWN_SECONDS: String(this.settings.jwks.cooldownSeconds),
    };
  }

  private async startAuth(): Promise<void> {
    if (this.auth?.isRunning()) {
      return;
    }
    const { host, port } = this.topology.auth;
    this.auth = this.startService('auth', this.settings.entryPoints.auth, {
      AUTH_HOST: host,
      AUTH_PORT: String(port),
      ...this.authSigningVariables(),
      AUTH_REDIS_URL: `redis://${this.topology.redis.host}:${this.topology.redis.port}`,
      AUTH_TRUST_PROXY: PROXY_ADDRESS,
      ...this.corsVariable('AUTH_CORS_ORIGINS'),
      LOG_LEVEL: this.settings.logLevel,
    });
    // /readyz also checks Redis, so an auth service started while Redis is stopped counts as ready once alive.
    await this.waitUntilReady(this.auth, `http://${host}:${port}${this.redis ? '/readyz' : '/healthz'}`);
  }

  private async stopAuth(): Promise<void> {
    const auth = this.auth;
    this.auth = undefined;
    await this.stopService(auth);
  }

  private async startReplica(id: string): Promise<void> {
    if (this.replicas.get(id)?.isRunning()) {
      return;
    }
    const replica = this.topology.replicas.find((candidate) => candidate.id === id)!;
    const secrets = this.mismatchedReplicas.has(id) ? this.mismatchedSecretPaths : this.secretPaths;
    const child = this.startService(id, this.settings.entryPoints.api, {
      REPLICA_ID: id,
      API_HOST: replica.host,
      API_PORT: String(replica.port),
      ...this.replicaVerificationVariables(secrets.jwt),
      API_SESSION_SECRET_FILE: secrets.session,
      API_COOKIE_SESSION_KEYS_FILE: secrets.cookieSession,
      API_REDIS_URL: `redis://${this.topology.redis.host}:${this.topology.redis.port}`,
      API_TRUST_PROXY: PROXY_ADDRESS,
      ...this.corsVariable('API_CORS_ORIGINS'),
      LOG_LEVEL: this.settings.logLevel,
    });
    this.replicas.set(id, child);
    // /readyz also checks Redis, so a replica started while Redis is stopped counts as ready once alive.
    const readinessPath = this.redis ? '/readyz' : '/healthz';
    await this.waitUntilReady(child, `http://${replica.host}:${replica.port}${readinessPath}`);
  }

  private async stopReplica(id: string): Promise<void> {
    const child = this.replicas.get(id);
    this.replicas.set(id, undefined);
    await this.stopService(child);
  }

  private async startNginx(): Promise<void> {
    const { balancer, auth, replicas } = this.topology;
    const runDir = join(this.dir, 'nginx');
    await mkdir(runDir, { mode: 0o755 });
    const dashboardRoot = await this.copyDashboard(runDir);
    if (dashboardRoot && this.settings.dashboardDrills) {
      this.drillApi = await startDashboardDrillApi({
        driver: this.buildDriver(),
        replicaIds: this.topology.replicas.map((replica) => replica.id),
        dashboardOrigins: this.dashboardOrigins(),
        waitForReplicas: () => this.waitForReplicasReady(),
        host: PROXY_ADDRESS,
        onLine: (line) => this.note(line),
      });
    }
    const configText = renderNginxConfig({
      target: 'local',
      runDir,
      listeners: BALANCER_MODES.map((mode) => ({ mode, ...this.topology.balancers[mode] })),
      replicaServers: replicas.map((replica) => `${replica.host}:${replica.port}`),
      replicaIds: replicas.map((replica) => replica.id),
      authServer: `${auth.host}:${auth.port}`,
      proxyBind: PROXY_ADDRESS,
      // nginx started by root runs its workers as user and group `nobody` by default, and Debian has no
      // group called nobody, so the workers get nogroup. They write only to nginx/temp, which nginx chowns.
      workerUser: process.getuid?.() === 0 ? 'nobody nogroup' : undefined,
      dashboard:
        dashboardRoot && this.topology.dashboard
          ? { ...this.topology.dashboard, root: dashboardRoot, drillApi: this.drillApi?.address }
          : undefined,
    });

    this.nginx = await startNginxServer({
      binary: this.binaries.nginx,
      runDir,
      configText,
      accessLogPath: join(runDir, 'access.log'),
      probe: balancer,
      onLine: (line) => this.record('nginx', line),
      readyTimeoutMs: this.settings.readyTimeoutMs,
    });

    const healthUrl = `http://${balancer.host}:${balancer.port}/healthz`;
    await waitUntil(async () => (await probeHttpStatus(healthUrl)) === 200, {
      timeoutMs: this.settings.readyTimeoutMs,
      description: `a 200 response from the balancer on ${healthUrl}`,
    });
  }

  /** Waits until every running replica passes its readiness check, which includes its Redis connection. */
  private async waitForReplicasReady(): Promise<void> {
    await Promise.all(
      this.topology.replicas
        .filter((replica) => this.replicas.get(replica.id)?.isRunning())
        .map((replica) => {
          const url = `http://${replica.host}:${replica.port}/readyz`;
          return waitUntil(async () => (await probeHttpStatus(url)) === 200, {
            timeoutMs: this.settings.readyTimeoutMs,
            description: `200 from ${url}`,
          });
        }),
    );
  }

  /**
   * Sets a service's CORS allowlist to the dashboard's origin, which differs from the services' default
   * (port 8088) when the cluster picks free ports. Without a dashboard the services keep their default.
   */
  private corsVariable(name: string): Record<string, string> {
    const dashboard = this.topology.dashboard;
    if (!dashboard) {
      return {};
    }
    return { [name]: this.dashboardOrigins().join(',') };
  }

  /** Returns the origins of the dashboard's page: its address, and localhost too when that is 127.0.0.1. */
  private dashboardOrigins(): string[] {
    const dashboard = this.topology.dashboard;
    if (!dashboard) {
      return [];
    }
    const origins = [`http://${dashboard.host}:${dashboard.port}`];
    if (dashboard.host === '127.0.0.1') {
      origins.push(`http://localhost:${dashboard.port}`);
    }
    return origins;
  }

  /**
   * Copies the built dashboard into the nginx folder and returns its path, or undefined when the dashboard
   * is left out or not built. The copy is readable by nginx's workers, which run as nobody when the cluster
   * runs as root and may not be able to enter the repository.
   */
  private async copyDashboard(runDir: string): Promise<string | undefined> {
    if (!this.topology.dashboard) {
      return undefined;
    }
    try {
      await access(join(DEFAULTS.dashboardDist, 'index.html'));
    } catch {
      this.note(`dashboard not served: ${DEFAULTS.dashboardDist} is missing, run pnpm build`);
      return undefined;
    }

    const root = join(runDir, 'web');
    await cp(DEFAULTS.dashboardDist, root, { recursive: true });
    this.dashboardServed = true;
    return root;
  }

  private startService(name: string, entryPoint: string, variables: Record<string, string>): ManagedProcess {
    const child = startManagedProcess({
      name,
      command: process.execPath,
      args: [entryPoint],
      env: { ...inheritedEnvironment(), ...variables },
      cwd: REPOSITORY_ROOT,
      onLine: (line) => this.record(name, line),
    });
    void child.exited.then((exit) => {
      if (!this.expectedExits.has(child)) {
        this.note(`${name} ${describeExit(exit)}`);
      }
    });
    return child;
  }

  private async stopService(child: ManagedProcess | undefined): Promise<void> {
    if (!child) {
      return;
    }
    this.expectedExits.add(child);
    await child.stop(this.settings.stopGraceMs);
  }

  private async waitUntilReady(child: ManagedProcess, url: string): Promise<void> {
    try {
      await waitUntil(
        async () => {
          if (!child.isRunning()) {
            throw new Error(describeExit(await child.exited));
          }
          return (await probeHttpStatus(url)) === 200;
        },
        { timeoutMs: this.settings.readyTimeoutMs, description: `200 from ${url}` },
      );
    } catch (error) {
      const lastLines = child.recentLines().slice(-10).join('\n');
      throw new ClusterStartError(
        `${child.name} did not become ready: ${(error as Error).message}. Its last lines:\n${lastLines}`,
        { cause: error },
      );
    }
  }

  private async stopEverything(): Promise<void> {
    const grace = this.settings.stopGraceMs;
    await Promise.allSettled([this.nginx?.stop(grace), this.drillApi?.stop()]);
    const services = [this.auth, ...this.replicas.values()];
    await Promise.allSettled(services.map((child) => this.stopService(child)));
    await Promise.allSettled([this.redis?.stop(grace)]);
    process.off('exit', this.cleanUpOnExit);
    await rm(this.dir, { recursive: true, force: true });
  }

  private note(message: string): void {
    this.record('cluster', message);
  }

  private record(source: string, line: string): void {
    let lines = this.logLines.get(source);
    if (!lines) {
      lines = [];
      this.logLines.set(source, lines);
    }
    lines.push(line);
    if (lines.length > DEFAULTS.keptLogLineCount) {
      lines.shift();
    }
    this.settings.onLogLine?.({ source, line, text: formatLogLine(source, line, this.sourceWidth) });
  }
}

/** Copies the few variables a service needs from the parent; every other variable is set explicitly. */
function inheritedEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    if (process.env[name] !== undefined) {
      environment[name] = process.env[name];
    }
  }
  return environment;
}
