import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NonLoopbackTargetError } from '../src/loopback.js';
import { runLoad } from '../src/run-load.js';

const servers: Server[] = [];

async function startServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const shortRun = { connections: 4, durationMs: 400, warmupMs: 100, timeoutMs: 1_000 } as const;

describe('runLoad', () => {
  it('measures throughput and latency of a keep-alive server', async () => {
    const url = await startServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end('{"strategy":"none"}');
    });

    const result = await runLoad({ url, requests: [{ method: 'GET', path: '/public/me' }], ...shortRun });

    expect(result.errors).toBe(0);
    expect(result.successes).toBeGreaterThan(10);
    expect(result.requestsPerSecond).toBeGreaterThan(0);
    expect(result.latency.p50Micros).toBeGreaterThan(0);
    expect(result.latency.p99Micros).toBeGreaterThanOrEqual(result.latency.p50Micros);
    expect(result.histogram.count).toBe(result.successes);
    expect(result.allRequests).toBeGreaterThanOrEqual(result.successes);
    expect(result.reconnects).toBe(0);
    expect(result.stoppedBy).toBe('duration');
  });

  it('sends each connection its own request and body', async () => {
    const seen = new Set<string>();
    const url = await startServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        seen.add(`${request.headers.cookie} ${body}`);
        response.end();
      });
    });

    await runLoad({
      url,
      requests: [
        { method: 'POST', path: '/a', headers: { cookie: 'sid=1' }, body: 'one' },
        { method: 'POST', path: '/a', headers: { cookie: 'sid=2' }, body: 'two' },
      ],
      ...shortRun,
    });

    expect([...seen].sort()).toEqual(['sid=1 one', 'sid=2 two']);
  });

  it('binds each connection to its source address', async () => {
    const sources = new Set<string>();
    const url = await startServer((request, response) => {
      sources.add(request.socket.remoteAddress ?? '');
      response.end('ok');
    });

    await runLoad({
      url,
      requests: [{ method: 'GET', path: '/' }],
      localAddresses: ['127.0.20.1', '127.0.20.2'],
      ...shortRun,
    });

    expect([...sources].sort()).toEqual(['127.0.20.1', '127.0.20.2']);
  });

  it('rejects a source address outside the loopback range', async () => {
    await expect(
      runLoad({
        url: 'http://127.0.0.1:1',
        requests: [{ method: 'GET', path: '/' }],
        localAddresses: ['10.0.0.1'],
      }),
    ).rejects.toThrow(NonLoopbackTargetError);
  });

  it('counts responses with another status as errors', async () => {
    const url = await startServer((_request, response) => {
      response.statusCode = 401;
      response.end('{"code":"AUTH_TOKEN_INVALID"}');
    });

    const result = await runLoad({ url, requests: [{ method: 'GET', path: '/jwt/me' }], ...shortRun });

    expect(result.successes).toBe(0);
    expect(result.errors).toBeGreaterThan(0);
    expect(result.errorsByKind).toEqual({ 'status 401': result.errors });
    expect(result.requestsPerSecond).toBe(0);
  });

  it('stops after the request limit', async () => {
    const url = await startServer((_request, response) => response.end('ok'));

    const result = await runLoad({
      url,
      requests: [{ method: 'GET', path: '/' }],
      ...shortRun,
      durationMs: 5_000,
      maxRequests: 200,
    });

    expect(result.successes).toBe(200);
    expect(result.stoppedBy).toBe('max-requests');
  });

  it('reconnects when the server closes the connection after a response', async () => {
    let served = 0;
    const url = await startServer((_request, response) => {
      served += 1;
      if (served % 10 === 0) {
        response.setHeader('connection', 'close');
      }
      response.end('ok');
    });

    const result = await runLoad({ url, requests: [{ method: 'GET', path: '/' }], ...shortRun });

    expect(result.errors).toBe(0);
    expect(result.reconnects).toBeGreaterThan(0);
  });

  it('counts a request without a response as a timeout', async () => {
    const url = await startServer(() => {});

    const result = await runLoad({
      url,
      requests: [{ method: 'GET', path: '/' }],
      connections: 2,
      durationMs: 600,
      warmupMs: 0,
      timeoutMs: 200,
    });

    expect(result.successes).toBe(0);
    expect(result.errorsByKind.timeout).toBeGreaterThan(0);
  });

  it('counts refused connections as errors', async () => {
    const url = await startServer(() => {});
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));

    const result = await runLoad({
      url,
      requests: [{ method: 'GET', path: '/' }],
      connections: 2,
      durationMs: 300,
      warmupMs: 0,
    });

    expect(result.successes).toBe(0);
    expect(result.errorsByKind['connect: ECONNREFUSED']).toBeGreaterThan(0);
  });

  it('rejects a target outside the loopback range before connecting', async () => {
    await expect(
      runLoad({ url: 'http://192.0.2.1:8080', requests: [{ method: 'GET', path: '/' }] }),
    ).rejects.toThrow(NonLoopbackTargetError);
  });

  it('rejects options outside their limits', async () => {
    const requests = [{ method: 'GET', path: '/' }];

    await expect(runLoad({ url: 'http://127.0.0.1:1', requests, connections: 0 })).rejects.toThrow(
      'connections must be an integer from 1 to 1000, got 0',
    );
    await expect(runLoad({ url: 'http://127.0.0.1:1', requests, durationMs: 1e9 })).rejects.toThrow(
      RangeError,
    );
    await expect(runLoad({ url: 'http://127.0.0.1:1', requests: [] })).rejects.toThrow(
      'requests must contain at least one request',
    );
    await expect(
      runLoad({ url: 'http://127.0.0.1:1', requests: [{ method: 'GET', path: 'x' }] }),
    ).rejects.toThrow('request path must start with "/", got "x"');
  });
});
