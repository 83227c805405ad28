#!/usr/bin/env node
// Profiles one replica under load: starts Redis, the auth service and one replica with `node --cpu-prof`,
// sends keep-alive load to one route straight to the replica, stops it, and prints the functions with the
// most CPU time per request. Build the workspace first (pnpm build).
//
// Usage: node packages/bench/scripts/profile-replica.mjs ROUTE [SECONDS] [LOG_LEVEL]
//   ROUTE      /public/me, /jwt/me, /session-memory/me, /session-redis/me or /cookie-session/me
//   SECONDS    measured seconds after one second of warm-up (default 5)
//   LOG_LEVEL  the replica's LOG_LEVEL (default info, as `authlab up` runs it)
// The .cpuprofile file stays in a temporary folder whose path is printed; Chrome DevTools opens it.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort, isPortOpen, startRedisServer, waitUntil } from '@authlab/cluster';
import { DEMO_CREDENTIALS } from '@authlab/users';
import { runLoad } from '../dist/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ROUTES = ['/public/me', '/jwt/me', '/session-memory/me', '/session-redis/me', '/cookie-session/me'];
const HOST = '127.0.0.1';
const TOP_FUNCTIONS = 30;

const [route, secondsText = '5', logLevel = 'info'] = process.argv.slice(2);
if (!ROUTES.includes(route)) {
  console.error(
    `usage: profile-replica.mjs ROUTE [SECONDS] [LOG_LEVEL], with ROUTE one of ${ROUTES.join(', ')}`,
  );
  process.exit(2);
}
const seconds = Number(secondsText);
if (!Number.isInteger(seconds) || seconds < 1 || seconds > 120) {
  console.error(`SECONDS must be an integer from 1 to 120, got ${secondsText}`);
  process.exit(2);
}

function startService(entryPoint, env, nodeArguments = []) {
  return spawn(process.execPath, [...nodeArguments, join(ROOT, entryPoint)], {
    env: { PATH: process.env.PATH, LOG_LEVEL: logLevel, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) {
    throw new Error(`POST ${url} returned ${response.status}`);
  }
  return response;
}

/** Sums each function's own time and the time of everything it called, per request, in microseconds. */
function summariseProfile(profile, requests) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parents.set(child, node.id);
    }
  }
  const selfTime = new Map();
  profile.samples.forEach((id, index) => {
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });

  const name = (node) =>
    `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`;
  const inclusive = new Map();
  const own = new Map();
  let busy = 0;
  for (const [id, time] of selfTime) {
    const leaf = name(nodes.get(id));
    if (leaf === '(idle) :0') {
      continue;
    }
    busy += time;
    own.set(leaf, (own.get(leaf) ?? 0) + time);
    const seen = new Set();
    for (let current = id; current !== undefined; current = parents.get(current)) {
      const key = name(nodes.get(current));
      if (!seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + time);
      }
    }
  }
  const rows = [...inclusive]
    .filter(([key]) => key !== '(root) :0')
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_FUNCTIONS)
    .map(([key, time]) => ({
      function: key,
      inclusiveMicrosPerRequest: Number((time / requests).toFixed(2)),
      selfMicrosPerRequest: Number(((own.get(key) ?? 0) / requests).toFixed(2)),
    }));
  return { busyMicrosPerRequest: Number((busy / requests).toFixed(2)), rows };
}

const redis = await startRedisServer({ host: HOST, port: await findFreePort(HOST) });
const jwtSecret = randomBytes(48).toString('base64url');
const authPort = await findFreePort(HOST);
const apiPort = await findFreePort(HOST);
const profileDir = await mkdtemp(join(tmpdir(), 'authlab-replica-profile-'));

const auth = startService('services/auth/dist/server.js', {
  AUTH_HOST: HOST,
  AUTH_PORT: String(authPort),
  AUTH_JWT_SECRET: jwtSecret,
  AUTH_REDIS_URL: redis.url,
});
const api = startService(
  'services/api/dist/server.js',
  {
    REPLICA_ID: 'api-1',
    API_HOST: HOST,
    API_PORT: String(apiPort),
    API_JWT_SECRET: jwtSecret,
    API_SESSION_SECRET: randomBytes(48).toString('base64url'),
    API_COOKIE_SESSION_KEYS: randomBytes(32).toString('hex'),
    API_REDIS_URL: redis.url,
  },
  ['--cpu-prof', '--cpu-prof-dir', profileDir],
);

try {
  await waitUntil(async () => (await isPortOpen(HOST, authPort)) && (await isPortOpen(HOST, apiPort)), {
    timeoutMs: 15_000,
    description: 'the auth service and the replica',
  });

  const credentials = DEMO_CREDENTIALS[0];
  let headers = {};
  if (route === '/jwt/me') {
    const response = await postJson(`http://${HOST}:${authPort}/auth/login`, credentials);
    headers = { authorization: `Bearer ${(await response.json()).access_token}` };
  } else if (route !== '/public/me') {
    const response = await postJson(
      `http://${HOST}:${apiPort}${route.replace(/\/me$/, '/login')}`,
      credentials,
    );
    headers = { cookie: response.headers.getSetCookie()[0].split(';')[0] };
  }

  const result = await runLoad({
    url: `http://${HOST}:${apiPort}`,
    requests: [{ method: 'GET', path: route, headers }],
    connections: 20,
    durationMs: seconds * 1000,
    warmupMs: 1000,
  });
  console.log(
    JSON.stringify({
      route,
      logLevel,
      requestsPerSecond: Math.round(result.requestsPerSecond),
      errors: result.errors,
    }),
  );

  api.kill('SIGTERM');
  await new Promise((resolve) => api.once('exit', resolve));
  const [file] = await readdir(profileDir);
  const profile = JSON.parse(await readFile(join(profileDir, file), 'utf8'));
  // The profile covers the replica's whole life, start-up included, so the figures are slightly high.
  const summary = summariseProfile(profile, result.allRequests);
  console.log(JSON.stringify({ profile: join(profileDir, file), ...summary }, null, 2));
} finally {
  api.kill('SIGTERM');
  auth.kill('SIGTERM');
  await redis.stop();
}
