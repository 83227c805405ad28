import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderNginxConfig } from '@authlab/balancer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findClusterBinaries, findFreePort, type NginxServer, startNginxServer } from '../src/index.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends one request on a fresh connection from `localAddress`. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer; localAddress?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        timeout: 5_000,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('request timed out')));
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** An upstream that answers with what it received, as JSON. */
function startEchoServer(name: string, port: number): Promise<Server> {
  const server = createServer((incoming, response) => {
    incoming.resume();
    incoming.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-served-by': name });
      response.end(
        JSON.stringify({ servedBy: name, headers: incoming.headers, peer: incoming.socket.remoteAddress }),
      );
    });
  });
  return new Promise((resolve) => server.listen({ host: '127.0.0.1', port }, () => resolve(server)));
}

/** An upstream that reads a request and closes the connection without answering. */
function startResettingServer(port: number): Promise<Server> {
  const server = createServer((incoming) => incoming.socket.destroy());
  return new Promise((resolve) => server.listen({ host: '127.0.0.1', port }, () => resolve(server)));
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('nginx balancer config', () => {
  const servers: Server[] = [];
  let echoPort: number;
  let resettingPort: number;
  let nginx: NginxServer | undefined;
  let runParent: string;
  let balancerUrl: string;

  /** Starts nginx over the resetting upstream first and the echo upstream second. */
  async function startBalancer(): Promise<void> {
    const binaries = await findClusterBinaries();
    const runDir = await mkdtemp(join(runParent, 'nginx-'));
    const port = await findFreePort();
    nginx = await startNginxServer({
      binary: binaries.nginx,
      runDir,
      configText: renderNginxConfig({
        target: 'local',
        runDir,
        listeners: [{ mode: 'round-robin', host: '127.0.0.1', port }],
        replicaServers: [`127.0.0.1:${resettingPort}`, `127.0.0.1:${echoPort}`],
        authServer: `127.0.0.1:${echoPort}`,
        proxyBind: '127.0.0.1',
        workerUser: process.getuid?.() === 0 ? 'nobody nogroup' : undefined,
      }),
      probe: { host: '127.0.0.1', port },
    });
    balancerUrl = `http://127.0.0.1:${port}`;
  }

  beforeAll(async () => {
    runParent = await mkdtemp(join(tmpdir(), 'authlab-nginx-test-'));
    echoPort = await findFreePort();
    resettingPort = await findFreePort();
    servers.push(await startEchoServer('echo', echoPort), await startResettingServer(resettingPort));
  });

  afterEach(async () => {
    await nginx?.stop(2_000);
    nginx = undefined;
  });

  afterAll(async () => {
    await Promise.all(servers.map(closeServer));
    await rm(runParent, { recursive: true, force: true });
  });

  it('replaces the forwarding headers a client sends', async () => {
    await startBalancer();

    const reply = await send(`${balancerUrl}/auth/login`, {
      localAddress: '127.0.0.42',
      headers: {
        'x-forwarded-for': '198.51.100.7',
        'x-request-id': 'chosen-by-client',
        'x-forwarded-proto': 'https',
      },
    });
    const echoed = JSON.parse(reply.body) as { headers: IncomingHttpHeaders; peer: string };

    expect(reply.status).toBe(200);
    expect(echoed.headers['x-forwarded-for']).toBe('127.0.0.42');
    expect(echoed.headers['x-forwarded-proto']).toBe('http');
    expect(echoed.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(echoed.headers.host).toBe('127.0.0.1');
    expect(echoed.headers['x-forwarded-host']).toBe('127.0.0.1');
    expect(echoed.peer).toBe('127.0.0.1');
  });

  it('retries a GET on the next replica', async () => {
    await startBalancer();

    const reply = await send(`${balancerUrl}/jwt/me`);

    expect(reply.status).toBe(200);
    expect(reply.headers['x-served-by']).toBe('echo');
  });

  it('does not retry a POST that reached a replica', async () => {
    await startBalancer();

    const reply = await send(`${balancerUrl}/session-memory/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{}'),
    });

    expect(reply.status).toBe(502);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['retry-after']).toBe('5');
    expect(JSON.parse(reply.body)).toEqual({
      statusCode: 502,
      code: 'UPSTREAM_UNAVAILABLE',
      error: 'Bad Gateway',
      message: 'No upstream server could be reached. Retry after 5 seconds.',
    });
  });

  it('answers a body over 1 MiB with JSON 413', async () => {
    await startBalancer();

    const reply = await send(`${balancerUrl}/session-redis/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(2 * 1024 * 1024, 0x20),
    });

    expect(reply.status).toBe(413);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(reply.body)).toMatchObject({ statusCode: 413, code: 'BODY_TOO_LARGE' });
  });

  it('answers a header over 8 KiB with JSON 400', async () => {
    await startBalancer();

    const reply = await send(`${balancerUrl}/jwt/me`, {
      headers: { cookie: `sid_redis=${'a'.repeat(9_000)}` },
    });

    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(reply.body)).toMatchObject({ statusCode: 400, code: 'REQUEST_HEADER_TOO_LARGE' });
  });

  it('hides the nginx version', async () => {
    await startBalancer();

    const reply = await send(`${balancerUrl}/jwt/me`);

    expect(reply.headers.server).toBe('nginx');
  });
});
