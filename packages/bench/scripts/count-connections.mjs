#!/usr/bin/env node
// Counts the TCP connections that a load opens behind its target. It sends keep-alive load to one route
// of a running local cluster (authlab up) and prints requests/s, the CPU time of the replicas and of nginx
// per request, and these counts per request:
//   passiveOpens              the machine's Tcp PassiveOpens (/proc/net/snmp): one per connection that
//                             any server on the machine accepts
//   closedReplicaConnections  sockets towards the replicas that entered TIME-WAIT during the run. nginx
//                             closes its upstream connections itself, so each one it drops leaves one.
//   replicaWaits              the replicas' voluntary context switches. A replica's event loop makes one
//                             each time it finds no work, so 0.5 means two requests per wait.
// Through the balancer, a passiveOpens or closedReplicaConnections count near one per request means that
// nginx opens a new connection to a replica for almost every request. Build the workspace first
// (pnpm build).
//
// Usage: node packages/bench/scripts/count-connections.mjs URL [ROUTE] [SECONDS] [CONNECTIONS]
//   URL          the balancer (http://127.0.0.1:8080) or one replica (http://127.0.11.1:3000)
//   ROUTE        /public/me (default) or /jwt/me, which signs in at URL/auth/login first
//   SECONDS      measured seconds after one second of warm-up (default 5)
//   CONNECTIONS  client connections (default 50, as the bench's main table)
// PassiveOpens counts every process on the machine, so it is exact only while nothing else opens
// connections. The TIME-WAIT count can miss sockets whose port the kernel reused (tcp_tw_reuse).

import { readFileSync } from 'node:fs';
import { DEMO_CREDENTIALS } from '@authlab/users';
import {
  CLUSTER_DEFAULTS,
  findDefaultReplicaUrls,
  findListeningProcessIds,
  parseLoopbackTarget,
  readProcessCpuMicros,
  runLoad,
} from '../dist/index.js';

const ROUTES = ['/public/me', '/jwt/me'];
const [urlText, route = '/public/me', secondsText = '5', connectionsText = '50'] = process.argv.slice(2);
if (urlText === undefined || !ROUTES.includes(route)) {
  console.error(
    `usage: count-connections.mjs URL [ROUTE] [SECONDS] [CONNECTIONS], with ROUTE one of ${ROUTES.join(', ')}`,
  );
  process.exit(2);
}
const url = parseLoopbackTarget(urlText).origin;
const seconds = Number(secondsText);
const connections = Number(connectionsText);
if (!Number.isInteger(seconds) || seconds < 1 || seconds > 120) {
  console.error(`SECONDS must be an integer from 1 to 120, got ${secondsText}`);
  process.exit(2);
}
if (!Number.isInteger(connections) || connections < 1 || connections > 1_000) {
  console.error(`CONNECTIONS must be an integer from 1 to 1000, got ${connectionsText}`);
  process.exit(2);
}

/** Reads the machine's count of accepted TCP connections since boot. */
function readPassiveOpens() {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('Tcp:'));
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/);
  return Number(values[names.indexOf('PassiveOpens')]);
}

/** Linux keeps a closed socket in TIME-WAIT for 60 s (TCP_TIMEWAIT_LEN), in clock ticks of 10 ms. */
const TIME_WAIT_TICKS = 6_000;

/** Encodes `host:port` of an IPv4 origin the way /proc/net/tcp prints a socket address. */
function encodeSocketAddress(origin) {
  const { hostname, port } = new URL(origin);
  const hex = hostname
    .split('.')
    .map((octet) => Number(octet).toString(16).toUpperCase().padStart(2, '0'))
    .reverse()
    .join('');
  return `${hex}:${Number(port).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Counts the sockets towards `origins` that entered TIME-WAIT (state 06) within the last `seconds`: the
 * timer field of /proc/net/tcp contains the ticks left until such a socket is freed.
 */
function countRecentTimeWait(origins, seconds) {
  const remotes = new Set(origins.map(encodeSocketAddress));
  const minTicksLeft = TIME_WAIT_TICKS - seconds * 100;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      const ticksLeft = Number.parseInt(fields[5]?.split(':')[1] ?? '0', 16);
      return fields[3] === '06' && remotes.has(fields[2]) && ticksLeft > minTicksLeft;
    }).length;
}

async function findPids(urls) {
  const lists = await Promise.all(urls.map((origin) => findListeningProcessIds(origin)));
  return [...new Set(lists.flat())];
}

/** Sums the voluntary context switches of `pids`: one each time a process waits with nothing to do. */
function sumVoluntarySwitches(pids) {
  let total = 0;
  for (const pid of pids) {
    const match = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    total += Number(match?.[1] ?? 0);
  }
  return total;
}

function sumCpuMicros(pids) {
  return pids.reduce((total, pid) => total + (readProcessCpuMicros(pid) ?? 0), 0);
}

const replicaUrls = await findDefaultReplicaUrls();
if (replicaUrls.length === 0) {
  console.error('no replica of a local cluster was found: start one with authlab up');
  process.exit(1);
}
const replicaPids = await findPids(replicaUrls);
const isReplica = replicaUrls.includes(url);
const nginxPids = isReplica ? [] : await findPids([url]);

let headers = {};
if (route === '/jwt/me') {
  const loginUrl = isReplica ? CLUSTER_DEFAULTS.balancerUrl : url;
  const response = await fetch(`${loginUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DEMO_CREDENTIALS[0]),
  });
  if (response.status !== 200) {
    console.error(`POST ${loginUrl}/auth/login returned ${response.status}`);
    process.exit(1);
  }
  headers = { authorization: `Bearer ${(await response.json()).access_token}` };
}

const startedAt = performance.now();
const before = {
  passiveOpens: readPassiveOpens(),
  replicaCpu: sumCpuMicros(replicaPids),
  nginxCpu: sumCpuMicros(nginxPids),
  replicaWaits: sumVoluntarySwitches(replicaPids),
};
const result = await runLoad({
  url,
  requests: [{ method: 'GET', path: route, headers }],
  connections,
  durationMs: seconds * 1000,
  warmupMs: 1000,
});
const elapsedSeconds = (performance.now() - startedAt) / 1000;
const closedReplicaConnections = countRecentTimeWait(replicaUrls, elapsedSeconds);
const after = {
  passiveOpens: readPassiveOpens(),
  replicaCpu: sumCpuMicros(replicaPids),
  nginxCpu: sumCpuMicros(nginxPids),
  replicaWaits: sumVoluntarySwitches(replicaPids),
};

// allRequests includes the warm-up, like the counters read before and after it.
const requests = result.allRequests;
console.log(
  JSON.stringify({
    url,
    route,
    connections,
    loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    requestsPerSecond: Math.round(result.requestsPerSecond),
    errors: result.errors,
    requests,
    passiveOpens: after.passiveOpens - before.passiveOpens,
    passiveOpensPerRequest: Number(((after.passiveOpens - before.passiveOpens) / requests).toFixed(3)),
    closedReplicaConnections,
    closedReplicaConnectionsPerRequest: Number((closedReplicaConnections / requests).toFixed(3)),
    replicaCpuMicrosPerRequest: Math.round((after.replicaCpu - before.replicaCpu) / requests),
    replicaWaitsPerRequest: Number(((after.replicaWaits - before.replicaWaits) / requests).toFixed(3)),
    nginxCpuMicrosPerRequest: isReplica ? null : Math.round((after.nginxCpu - before.nginxCpu) / requests),
  }),
);
