import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTemplate, type TemplateScope } from './render-template.js';

/** Replica selection method of nginx. Each mode has its own listener. */
export type BalancerMode = 'round-robin' | 'ip-hash' | 'cookie-hash' | 'sticky-route';

/** Every balancer mode, in the order of their default ports 8080 to 8083. */
export const BALANCER_MODES: readonly BalancerMode[] = Object.freeze([
  'round-robin',
  'ip-hash',
  'cookie-hash',
  'sticky-route',
]);

/** Default port of each balancer mode's listener, on both targets. */
export const DEFAULT_BALANCER_PORTS: Readonly<Record<BalancerMode, number>> = Object.freeze({
  'round-robin': 8080,
  'ip-hash': 8081,
  'cookie-hash': 8082,
  'sticky-route': 8083,
});

/** Runtime of the rendered config: processes on loopback, or the nginx container of docker compose. */
export type NginxTarget = 'local' | 'compose';

export interface BalancerListener {
  readonly mode: BalancerMode;
  /** Address to listen on; all addresses when absent (the usual choice inside a container). */
  readonly host?: string | undefined;
  readonly port: number;
}

/** The browser dashboard's listener: its built files, served on an origin of their own. */
export interface DashboardListener {
  /** Address to listen on; all addresses when absent. */
  readonly host?: string | undefined;
  readonly port: number;
  /** Absolute path of the folder with the built page (`index.html` and `assets/`). */
  readonly root: string;
  /**
   * `host:port` of the drill API that nginx serves under `/drills` on the dashboard's origin. Without it the
   * page gets `drillApiUrl: null` and hides its drill panel.
   */
  readonly drillApi?: string | undefined;
}

export interface NginxConfigOptions {
  readonly target: NginxTarget;
  /** Upstream addresses of the replicas, `host:port` or `name:port`, in replica order. */
  readonly replicaServers: readonly string[];
  /**
   * Replica ids in the order of `replicaServers`, the values a `sticky-route` cookie may name. Default
   * `api-1` to `api-N`.
   */
  readonly replicaIds?: readonly string[];
  /** Upstream address of the auth service, `host:port` or `name:port`. */
  readonly authServer: string;
  /** Listeners, one per balancer mode. Default: `round-robin` on 127.0.0.1:8080 (local) or :8080 (compose). */
  readonly listeners?: readonly BalancerListener[];
  /** Folder for the pid file and the temporary files. Required for `local`; compose uses the image's paths. */
  readonly runDir?: string;
  readonly pidPath?: string;
  readonly tempDir?: string;
  /**
   * Destination of the JSON access log. Local default: `access.log` in runDir, because nginx cannot open
   * /dev/stdout when stdout is a socket, which is what a Node.js parent gives its children. Compose default:
   * /dev/stdout, the container's log.
   */
  readonly accessLog?: string;
  /** Destination of the error log: a file path or `stderr`. */
  readonly errorLog?: string;
  /** `user` directive for the workers, for example `nobody nogroup`; only meaningful when nginx starts as root. */
  readonly workerUser?: string | undefined;
  /** Source address for connections to the upstreams (`proxy_bind`). */
  readonly proxyBind?: string | undefined;
  /** `resolver` directive, for upstreams named by DNS, for example `127.0.0.11 valid=10s ipv6=off`. */
  readonly resolver?: string | undefined;
  /**
   * Looks the upstream names up again through `resolver` whenever a cached reply expires (`resolve` on every
   * server line, a `zone` per upstream), so a container that restarts with a new address keeps getting
   * traffic. Needs `resolver` and nginx 1.27.3 or later. Default false.
   */
  readonly resolveUpstreams?: boolean;
  readonly workerProcesses?: number | 'auto';
  /** Serves the dashboard on its own listener when given; its `config.json` points at the listeners. */
  readonly dashboard?: DashboardListener | undefined;
  /** Template text; the file in deploy/nginx when absent. */
  readonly template?: string;
}

/** The path of the one nginx template of the repository. */
export const NGINX_TEMPLATE_PATH = fileURLToPath(
  new URL('../../../deploy/nginx/nginx.conf.template', import.meta.url),
);

/** Timeouts and failure limits shared by both targets; the template explains each choice. */
export const NGINX_TIMING = Object.freeze({
  proxyConnectTimeout: '1s',
  proxyReadTimeout: '15s',
  proxyNextUpstreamTimeout: '5s',
  maxFails: 1,
  failTimeoutSeconds: 5,
});

/**
 * Idle keep-alive connections that each nginx worker keeps per replica of an upstream group (the
 * `keepalive` directive). With three replicas the pool of 192 covers the 50 connections of
 * `authlab bench` and almost all of the 200 of its concurrency sweep. A pool smaller than the requests in
 * flight makes nginx close connections as requests end and open new ones for the next: with 16 for the
 * whole group, one new connection for every third request under 50 client connections.
 */
export const UPSTREAM_KEEPALIVE_PER_REPLICA = 64;

interface TargetDefaults {
  readonly listeners: readonly BalancerListener[];
  readonly accessLog: string | undefined;
  readonly errorLog: string;
  readonly pidPath: string | undefined;
  readonly tempDir: string | undefined;
  readonly workerUser: string | undefined;
  readonly workerProcesses: number | 'auto';
}

// The local cluster passes runDir for the pid file and temporary files, and workerUser when it runs as root.
const LOCAL_DEFAULTS = Object.freeze<TargetDefaults>({
  listeners: [{ mode: 'round-robin', host: '127.0.0.1', port: 8080 }],
  accessLog: undefined,
  errorLog: 'stderr',
  pidPath: undefined,
  tempDir: undefined,
  workerUser: undefined,
  workerProcesses: 1,
});

// Paths of the official nginx image, whose master process starts as root and whose workers run as `nginx`.
const COMPOSE_DEFAULTS = Object.freeze<TargetDefaults>({
  listeners: [{ mode: 'round-robin', port: 8080 }],
  accessLog: '/dev/stdout',
  errorLog: 'stderr',
  pidPath: '/var/run/nginx.pid',
  tempDir: '/var/cache/nginx',
  workerUser: 'nginx',
  workerProcesses: 'auto',
});

/** Cookie that `sticky-route` routes by; the replica that creates a session sets it to its own id. */
export const ROUTE_COOKIE_NAME = 'route';

/** Session cookies whose values `cookie-hash` hashes, in the order they are joined into the key. */
export const COOKIE_HASH_COOKIES = Object.freeze(['sid_memory', 'sid_redis', 'sid_cookie'] as const);

// ip-hash is nginx's own ip_hash, which keys on the first three octets of an IPv4 address: every client of
// one /24 (one NAT, one proxy) lands on the same replica, and clients need addresses in different /24
// networks to spread. cookie-hash joins the session cookies with `|`, so a request without any of them
// has the key `||`, and every cookieless request (every first login) goes to one and the same replica.
// sticky-route picks its upstream through the map of the route cookie; its default upstream, used when
// the cookie is missing or unknown, is plain round-robin.
const BALANCE_DIRECTIVES: Readonly<Record<BalancerMode, string>> = Object.freeze({
  'round-robin': "# round-robin is nginx's default method and needs no directive.",
  'ip-hash': 'ip_hash;',
  'cookie-hash': `hash "${COOKIE_HASH_COOKIES.map((name) => `$cookie_${name}`).join('|')}" consistent;`,
  'sticky-route': '# Without a known route cookie, round-robin: the default method.',
});

/** Variable that the sticky-route map sets to the upstream named after the route cookie's replica. */
const STICKY_ROUTE_VARIABLE = '$authlab_route_upstream';

const UPSTREAM_ADDRESS = /^[A-Za-z0-9._-]+:[0-9]{1,5}$/;
const REPLICA_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const LISTEN_HOST = /^[0-9.]+$|^localhost$/;
const PATH_VALUE = /^\/[^\s;{}'"$#]*$/;
const DRILL_API_ADDRESS = /^\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}$/;
/** Path of the drill API on the dashboard's origin, as `config.json` gives it to the page. */
export const DRILL_API_PATH = '/drills';
const DIRECTIVE_ARGUMENTS = /^[A-Za-z0-9._:=/-]+( [A-Za-z0-9._:=/-]+)*$/;

/**
 * Renders the nginx config for `options.target` from the template. The output depends only on the options
 * and the template text, so the same inputs always give the same file.
 */
export function renderNginxConfig(options: NginxConfigOptions): string {
  const settings = resolveSettings(options);
  const template = options.template ?? readFileSync(NGINX_TEMPLATE_PATH, 'utf8');

  const replicaServers: TemplateScope[] = settings.replicaServers.map((address) => ({ address }));
  const routeUpstreams = buildRouteUpstreams(settings);
  const hasStickyRoute = settings.listeners.some((listener) => listener.mode === 'sticky-route');
  const listeners: TemplateScope[] = settings.listeners.map((listener) => {
    const upstreamSuffix = listener.mode.replaceAll('-', '_');
    const isStickyRoute = listener.mode === 'sticky-route';
    return {
      mode: listener.mode,
      port: listener.port,
      listen: formatListen(listener),
      upstream_suffix: upstreamSuffix,
      balance_directive: BALANCE_DIRECTIVES[listener.mode],
      replica_servers: replicaServers,
      route_upstreams: isStickyRoute ? routeUpstreams : [],
      proxy_target: isStickyRoute ? STICKY_ROUTE_VARIABLE : `authlab_replicas_${upstreamSuffix}`,
    };
  });

  return renderTemplate(template, {
    target: settings.target,
    worker_user: settings.workerUser,
    worker_processes: settings.workerProcesses,
    pid_path: settings.pidPath,
    error_log: settings.errorLog,
    access_log: settings.accessLog,
    temp_dir: settings.tempDir,
    resolver: settings.resolver,
    resolve_upstreams: settings.resolveUpstreams,
    proxy_bind: settings.proxyBind,
    auth_server: settings.authServer,
    proxy_connect_timeout: NGINX_TIMING.proxyConnectTimeout,
    proxy_read_timeout: NGINX_TIMING.proxyReadTimeout,
    proxy_next_upstream_timeout: NGINX_TIMING.proxyNextUpstreamTimeout,
    upstream_keepalive_per_replica: UPSTREAM_KEEPALIVE_PER_REPLICA,
    replica_keepalive: UPSTREAM_KEEPALIVE_PER_REPLICA * settings.replicaServers.length,
    max_fails: NGINX_TIMING.maxFails,
    fail_timeout: `${NGINX_TIMING.failTimeoutSeconds}s`,
    retry_after_seconds: NGINX_TIMING.failTimeoutSeconds,
    listeners,
    route_cookie: ROUTE_COOKIE_NAME,
    route_variable: STICKY_ROUTE_VARIABLE,
    route_map: hasStickyRoute
      ? routeUpstreams.map((upstream) => ({ replica_id: upstream.replica_id, upstream: upstream.name }))
      : [],
    sticky_route_default: hasStickyRoute ? 'authlab_replicas_sticky_route' : undefined,
    dashboard: settings.dashboard === undefined ? [] : [buildDashboardScope(settings)],
  });
}

/**
 * Builds one upstream per replica for `sticky-route`: the replica the route cookie names, with every other
 * replica as a `backup`. nginx sends a request to the backups only while the named replica is down
 * (failed within fail_timeout or refusing connections), so a stopped replica's clients fall back to the
 * others and return to it once it is back.
 */
function buildRouteUpstreams(settings: ResolvedSettings): TemplateScope[] {
  return settings.replicaIds.map((replicaId, index) => ({
    replica_id: replicaId,
    name: `authlab_route_${replicaId.replaceAll('-', '_')}`,
    primary: settings.replicaServers[index]!,
    backups: settings.replicaServers.filter((_, other) => other !== index).map((address) => ({ address })),
  }));
}

function formatListen(listener: { readonly host?: string | undefined; readonly port: number }): string {
  return listener.host === undefined ? String(listener.port) : `${listener.host}:${listener.port}`;
}

/**
 * Builds the template values of the dashboard's listener. Its `config.json` gives each balancer mode the
 * URL `http://$host:<port>`: nginx fills in the host name of the page's own request, so a page opened on
 * localhost calls localhost and stays same-site with the balancer.
 */
function buildDashboardScope(settings: ResolvedSettings): TemplateScope {
  const dashboard = settings.dashboard!;
  const balancerUrls = Object.fromEntries(
    settings.listeners.map((listener) => [listener.mode, `http://$host:${listener.port}`]),
  );
  return {
    listen: formatListen(dashboard),
    root: dashboard.root,
    config_json: JSON.stringify({
      balancerUrls,
      drillApiUrl: dashboard.drillApi === undefined ? null : DRILL_API_PATH,
    }),
    drill_api: dashboard.drillApi === undefined ? [] : [{ address: dashboard.drillApi }],
  };
}

interface ResolvedSettings {
  target: NginxTarget;
  listeners: readonly BalancerListener[];
  replicaServers: readonly string[];
  replicaIds: readonly string[];
  authServer: string;
  pidPath: string;
  tempDir: string;
  accessLog: string;
  errorLog: string;
  workerUser: string | undefined;
  proxyBind: string | undefined;
  resolver: string | undefined;
  resolveUpstreams: boolean;
  workerProcesses: number | 'auto';
  dashboard: DashboardListener | undefined;
}

/** Applies the target's defaults and checks every value, so nothing unexpected reaches the config file. */
function resolveSettings(options: NginxConfigOptions): ResolvedSettings {
  if (options.target !== 'local' && options.target !== 'compose') {
    throw new TypeError(`target must be "local" or "compose", got ${JSON.stringify(options.target)}`);
  }

  const defaults = options.target === 'local' ? LOCAL_DEFAULTS : COMPOSE_DEFAULTS;
  const runDir = options.runDir;
  const pidPath = options.pidPath ?? (runDir === undefined ? defaults.pidPath : `${runDir}/nginx.pid`);
  const tempDir = options.tempDir ?? (runDir === undefined ? defaults.tempDir : `${runDir}/temp`);
  if (pidPath === undefined || tempDir === undefined) {
    throw new TypeError('the local target needs runDir, or both pidPath and tempDir');
  }

  const settings: ResolvedSettings = {
    target: options.target,
    listeners: options.listeners ?? defaults.listeners,
    replicaServers: options.replicaServers,
    replicaIds: options.replicaIds ?? options.replicaServers.map((_, index) => `api-${index + 1}`),
    authServer: options.authServer,
    pidPath,
    tempDir,
    accessLog: options.accessLog ?? defaults.accessLog ?? `${dirname(pidPath)}/access.log`,
    errorLog: options.errorLog ?? defaults.errorLog,
    workerUser: 'workerUser' in options ? options.workerUser : defaults.workerUser,
    proxyBind: options.proxyBind,
    resolver: options.resolver,
    resolveUpstreams: options.resolveUpstreams ?? false,
    workerProcesses: options.workerProcesses ?? defaults.workerProcesses,
    dashboard: options.dashboard,
  };

  checkSettings(settings);
  return settings;
}

function checkSettings(settings: ResolvedSettings): void {
  if (settings.replicaServers.length === 0) {
    throw new TypeError('replicaServers must list at least one replica');
  }

  for (const address of [...settings.replicaServers, settings.authServer]) {
    if (!UPSTREAM_ADDRESS.test(address)) {
      throw new TypeError(`upstream address must be host:port or name:port, got ${JSON.stringify(address)}`);
    }
  }

  if (settings.replicaIds.length !== settings.replicaServers.length) {
    throw new TypeError(
      `replicaIds must name each of the ${settings.replicaServers.length} replicaServers once, got ${settings.replicaIds.length} ids`,
    );
  }
  if (new Set(settings.replicaIds).size !== settings.replicaIds.length) {
    throw new TypeError(`replicaIds must be unique, got ${settings.replicaIds.join(', ')}`);
  }
  for (const replicaId of settings.replicaIds) {
    if (!REPLICA_ID.test(replicaId)) {
      throw new TypeError(
        `a replica id must be lowercase letters, digits and dashes, like api-1, got ${JSON.stringify(replicaId)}`,
      );
    }
  }

  if (settings.listeners.length === 0) {
    throw new TypeError('listeners must list at least one listener');
  }
  const modes = new Set<string>();
  const ports = new Set<number>();
  for (const listener of settings.listeners) {
    checkListener(listener);
    if (modes.has(listener.mode) || ports.has(listener.port)) {
      throw new TypeError(
        `each listener needs its own mode and port, got ${listener.mode} on ${listener.port} twice`,
      );
    }
    modes.add(listener.mode);
    ports.add(listener.port);
  }

  for (const [name, value] of Object.entries({ pidPath: settings.pidPath, tempDir: settings.tempDir })) {
    if (!PATH_VALUE.test(value)) {
      throw new TypeError(
        `${name} must be an absolute path without spaces, quotes, ; { } $ or #, got ${JSON.stringify(value)}`,
      );
    }
  }
  if (settings.accessLog !== 'off' && !PATH_VALUE.test(settings.accessLog)) {
    throw new TypeError(
      `accessLog must be "off" or an absolute path, got ${JSON.stringify(settings.accessLog)}`,
    );
  }
  if (settings.errorLog !== 'stderr' && !PATH_VALUE.test(settings.errorLog)) {
    throw new TypeError(
      `errorLog must be "stderr" or an absolute path, got ${JSON.stringify(settings.errorLog)}`,
    );
  }

  for (const [name, value] of Object.entries({
    workerUser: settings.workerUser,
    proxyBind: settings.proxyBind,
    resolver: settings.resolver,
  })) {
    if (value !== undefined && !DIRECTIVE_ARGUMENTS.test(value)) {
      throw new TypeError(
        `${name} must be plain words separated by single spaces, got ${JSON.stringify(value)}`,
      );
    }
  }

  if (settings.resolveUpstreams && settings.resolver === undefined) {
    throw new TypeError('resolveUpstreams needs a resolver, for example "127.0.0.11 valid=5s ipv6=off"');
  }

  if (settings.dashboard !== undefined) {
    checkDashboard(settings.dashboard, ports);
  }

  const workers = settings.workerProcesses;
  if (workers !== 'auto' && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) {
    throw new TypeError(`workerProcesses must be "auto" or an integer from 1 to 64, got ${String(workers)}`);
  }
}

function checkListener(listener: BalancerListener): void {
  if (!Object.hasOwn(BALANCE_DIRECTIVES, listener.mode)) {
    throw new TypeError(
      `balancer mode must be one of ${BALANCER_MODES.join(', ')}, got ${JSON.stringify(listener.mode)}`,
    );
  }
  if (!Number.isInteger(listener.port) || listener.port < 1 || listener.port > 65_535) {
    throw new TypeError(`listener port must be an integer from 1 to 65535, got ${String(listener.port)}`);
  }
  if (listener.host !== undefined && !LISTEN_HOST.test(listener.host)) {
    throw new TypeError(
      `listener host must be an IPv4 address or localhost, got ${JSON.stringify(listener.host)}`,
    );
  }
}

function checkDashboard(dashboard: DashboardListener, listenerPorts: ReadonlySet<number>): void {
  if (!Number.isInteger(dashboard.port) || dashboard.port < 1 || dashboard.port > 65_535) {
    throw new TypeError(`dashboard port must be an integer from 1 to 65535, got ${String(dashboard.port)}`);
  }
  if (listenerPorts.has(dashboard.port)) {
    throw new TypeError(`dashboard port ${dashboard.port} is already a balancer listener's port`);
  }
  if (dashboard.host !== undefined && !LISTEN_HOST.test(dashboard.host)) {
    throw new TypeError(
      `dashboard host must be an IPv4 address or localhost, got ${JSON.stringify(dashboard.host)}`,
    );
  }
  if (dashboard.drillApi !== undefined && !DRILL_API_ADDRESS.test(dashboard.drillApi)) {
    throw new TypeError(
      `dashboard drillApi must be an IPv4 address and port like 127.0.0.1:39123, got ${JSON.stringify(dashboard.drillApi)}`,
    );
  }
  if (!PATH_VALUE.test(dashboard.root)) {
    throw new TypeError(
      `dashboard root must be an absolute path without spaces, quotes, ; { } $ or #, got ${JSON.stringify(dashboard.root)}`,
    );
  }
}
