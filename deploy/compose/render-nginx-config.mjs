// Renders deploy/compose/nginx.conf, the balancer config of docker-compose.yml, from the same template as
// the local cluster (deploy/nginx/nginx.conf.template). Run it after changing the template or the options
// below, and commit the result. With `--check` it only compares, and exits with status 1 when the file is
// stale.
//
//   pnpm build && node deploy/compose/render-nginx-config.mjs [--check]
import { readFile, writeFile } from 'node:fs/promises';
import {
  BALANCER_MODES,
  DEFAULT_BALANCER_PORTS,
  renderNginxConfig,
} from '../../packages/balancer/dist/index.js';

const OUTPUT_URL = new URL('./nginx.conf', import.meta.url);
const HEADER = [
  '# Rendered by deploy/compose/render-nginx-config.mjs: edit the template or that script, not this file.',
  "# At container start the nginx image's entrypoint fills in the AUTHLAB_ variables of the dashboard's",
  '# config.json with the published ports (see withHostPorts in the script).',
  '',
].join('\n');

/** Folder of the built dashboard (services/web/dist) in the nginx image, the Dockerfile's target `nginx`. */
const DASHBOARD_ROOT = '/usr/share/nginx/dashboard';

/** Port of the dashboard's listener inside the nginx container, published on 127.0.0.1:8088 by default. */
const DASHBOARD_PORT = 8088;

/**
 * The variable with the host port of each balancer listener, by balancer mode. docker-compose.yml sets
 * them in the nginx container, and the image's entrypoint writes them into the dashboard's config.json
 * (see withHostPorts).
 */
const HOST_PORT_VARIABLES = Object.freeze({
  'round-robin': 'AUTHLAB_BALANCER_PORT',
  'ip-hash': 'AUTHLAB_IP_HASH_PORT',
  'cookie-hash': 'AUTHLAB_COOKIE_HASH_PORT',
  'sticky-route': 'AUTHLAB_STICKY_ROUTE_PORT',
});

/**
 * The compose cluster's options: one listener per balancer mode on the local cluster's ports (8080 to
 * 8083), and the dashboard on 8088, on every address of the container, since docker-compose.yml publishes
 * them on 127.0.0.1 only. Upstreams are service names, which Docker's DNS server (127.0.0.11 in
 * every container on a user-defined network) resolves. `docker compose restart api-2` may give api-2 a new
 * address, so nginx looks the names up again (resolveUpstreams) and caches a DNS reply for 5 s at most
 * (valid=5s). A restarted replica therefore gets traffic again within about 5 s of accepting connections. The lab
 * network has IPv4 addresses only, hence ipv6=off.
 */
const COMPOSE_OPTIONS = Object.freeze({
  target: 'compose',
  listeners: BALANCER_MODES.map((mode) => ({ mode, port: DEFAULT_BALANCER_PORTS[mode] })),
  replicaServers: ['api-1:3000', 'api-2:3000', 'api-3:3000'],
  authServer: 'auth:4000',
  resolver: '127.0.0.11 valid=5s ipv6=off',
  resolveUpstreams: true,
  dashboard: { port: DASHBOARD_PORT, root: DASHBOARD_ROOT },
});

/**
 * Replaces the container port of each balancer URL in the dashboard's config.json with a reference to the
 * variable that holds its host port: `http://$host:8081` becomes `http://$host:${AUTHLAB_IP_HASH_PORT}`.
 * The browser calls the published ports, which differ from the container's when a user or the test
 * provider moves them. The nginx image's entrypoint fills the variables in at container start, and
 * NGINX_ENVSUBST_FILTER limits it to AUTHLAB_ names, so nginx's own `$host` stays. The committed file is
 * therefore a template for that step, not a config that nginx can load as it is.
 */
function withHostPorts(config) {
  let result = config;
  for (const mode of BALANCER_MODES) {
    const url = `"${mode}":"http://$host:${DEFAULT_BALANCER_PORTS[mode]}"`;
    const occurrences = result.split(url).length - 1;
    if (occurrences !== 1) {
      throw new Error(
        `expected the dashboard's config.json to contain ${url} once, found it ${occurrences} times: the template changed, update withHostPorts`,
      );
    }
    result = result.replace(url, `"${mode}":"http://$host:\${${HOST_PORT_VARIABLES[mode]}}"`);
  }
  return result;
}

const rendered = HEADER + withHostPorts(renderNginxConfig(COMPOSE_OPTIONS));

if (process.argv.includes('--check')) {
  const committed = await readFile(OUTPUT_URL, 'utf8').catch(() => '');
  if (committed !== rendered) {
    console.error(
      'deploy/compose/nginx.conf is stale: run `pnpm build && node deploy/compose/render-nginx-config.mjs` and commit the result',
    );
    process.exitCode = 1;
  }
} else {
  await writeFile(OUTPUT_URL, rendered);
  console.log('wrote deploy/compose/nginx.conf');
}
