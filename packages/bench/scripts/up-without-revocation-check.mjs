#!/usr/bin/env node
// Starts the local cluster as `authlab up` does, on the default addresses, but with every replica's
// API_REVOCATION_CHECK=off. The jwt strategy then checks a token's signature and claims only, and never
// looks its jti up in the Redis denylist that logout writes to. `authlab up` has no option for that, and
// `authlab bench` measures whatever the running cluster does, so this is how the bench gets its
// stateless jwt row. Stops the cluster on SIGINT or SIGTERM. Build the workspace first (pnpm build).
//
// Usage: node packages/bench/scripts/up-without-revocation-check.mjs
//   then, in another shell: node packages/cli/dist/bin.js bench

import { fileURLToPath } from 'node:url';
import { startLocalCluster } from '@authlab/cluster';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const cluster = await startLocalCluster({
  entryPoints: {
    auth: `${ROOT}services/auth/dist/server.js`,
    api: fileURLToPath(new URL('./api-without-revocation-check.mjs', import.meta.url)),
  },
  onLogLine: (record) => process.stdout.write(`${record.text}\n`),
});
process.stderr.write(
  `cluster ready, replicas with API_REVOCATION_CHECK=off, balancer ${cluster.urls.balancer}; Ctrl-C stops it\n`,
);

await new Promise((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
process.stderr.write('stopping the cluster\n');
await cluster.stop();
