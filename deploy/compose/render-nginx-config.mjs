// Renders deploy/compose/nginx.conf, the balancer config of docker-compose.yml, from the same template as
// the local cluster (deploy/nginx/nginx.conf.template). Run it after changing the template or the options
// below, and commit the result. With `--check` it only compares, and exits with status 1 when the file is
// stale.
//
//   pnpm build && node deploy/compose/render-nginx-config.mjs [--check]
import { readFile, writeFile } from 'node:fs/promises';
import { BALANCER_MODES, DEFAULT_BALANCER_PORTS, renderNginxConfig } from '../../packages/balancer/dist/index.js';

const OUTPUT_URL = new URL('./nginx.conf', import.meta.url);
const HEADER =
  '# Rendered by deploy/compose/render-nginx-config.mjs: edit the template or that script, not this file.\n';

/**
 * The compose cluster's options: one listener per balancer mode on the local cluster's ports (8080 to
 * 8083), on every address of the container, since docker-compose.yml publishes them on 127.0.0.1 only.
 * Upstreams are service names, which Docker's DNS server (127.0.0.11 in
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
});

const rendered = HEADER + renderNginxConfig(COMPOSE_OPTIONS);

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
