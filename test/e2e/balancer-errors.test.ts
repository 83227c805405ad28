import type { ClusterHandle } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestCluster } from '../support/cluster.js';
import { sendRequest } from '../support/http.js';

interface LogEntry {
  /** Request id in a service's pino line. */
  reqId?: string;
  req?: { remoteAddress?: string };
  /** Peer address in an nginx access log line. */
  remote_addr?: string;
}

/** Reads the JSON log lines of `source` that mention `reqId`. */
async function readRequestLog(cluster: ClusterHandle, source: string, reqId: string): Promise<LogEntry[]> {
  const lines = await cluster.readLogLines(source);
  return lines
    .filter((line) => line.startsWith('{') && line.includes(reqId))
    .map((line) => JSON.parse(line) as LogEntry);
}

describe('balancer', () => {
  let cluster: ClusterHandle;

  beforeAll(async () => {
    cluster = await startTestCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers a 2 MiB body with JSON 413', async () => {
    const response = await sendRequest(`${cluster.urls.balancer}/session-redis/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(2 * 1024 * 1024, 0x20),
    });

    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      statusCode: 413,
      code: 'BODY_TOO_LARGE',
      error: 'Payload Too Large',
      message: 'The request body exceeds the balancer limit of 1 MiB. Send a smaller body.',
    });
  });

  it('answers an oversized header with JSON 400', async () => {
    const response = await sendRequest(`${cluster.urls.balancer}/session-redis/me`, {
      headers: { cookie: `sid_redis=${'x'.repeat(10_000)}` },
    });

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toMatchObject({
      statusCode: 400,
      code: 'REQUEST_HEADER_TOO_LARGE',
      error: 'Bad Request',
    });
  });

  it('passes its request id to the replica log', async () => {
    const response = await sendRequest(`${cluster.urls.balancer}/jwt/me`, {
      headers: { 'x-request-id': 'chosen-by-the-client' },
    });
    const reqId = String(response.headers['x-request-id']);
    const servedBy = String(response.headers['x-served-by']);

    expect(reqId).toMatch(/^[0-9a-f]{32}$/);
    const entries = await vi.waitFor(async () => {
      const found = await readRequestLog(cluster, servedBy, reqId);
      expect(found.length).toBeGreaterThan(0);
      return found;
    });
    expect(entries.every((entry) => entry.reqId === reqId)).toBe(true);
  });

  // The replica logs the address it derives from X-Forwarded-For, and nginx logs the address of the peer
  // that connected to it. The header nginx sends is checked byte for byte against an echo server in
  // packages/cluster/test/nginx-server.test.ts.
  it('replaces a client X-Forwarded-For with the client address', async () => {
    const response = await sendRequest(`${cluster.urls.balancer}/jwt/me`, {
      localAddress: '127.0.0.77',
      headers: { 'x-forwarded-for': '198.51.100.7' },
    });
    const reqId = String(response.headers['x-request-id']);
    const servedBy = String(response.headers['x-served-by']);

    const replicaEntry = await vi.waitFor(async () => {
      const found = (await readRequestLog(cluster, servedBy, reqId)).find(
        (entry) => entry.req?.remoteAddress,
      );
      expect(found).toBeDefined();
      return found!;
    });
    const accessEntry = await vi.waitFor(async () => {
      const found = (await readRequestLog(cluster, 'nginx', reqId)).find((entry) => entry.remote_addr);
      expect(found).toBeDefined();
      return found!;
    });
    const replicaLines = (await cluster.readLogLines(servedBy)).filter((line) => line.includes(reqId));

    expect(replicaEntry.req?.remoteAddress).toBe(accessEntry.remote_addr);
    if (cluster.mode === 'local') {
      expect(accessEntry.remote_addr).toBe('127.0.0.77');
    }
    expect(replicaLines.join('\n')).not.toContain('198.51.100.7');
  });

  it('answers JSON 502 fast with every replica stopped', async () => {
    for (const id of cluster.replicaIds) {
      await cluster.driver.stopReplica(id);
    }

    const response = await sendRequest(`${cluster.urls.balancer}/jwt/me`);

    expect([502, 503]).toContain(response.status);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(response.json()).toMatchObject({ statusCode: response.status, code: 'UPSTREAM_UNAVAILABLE' });
    expect(response.elapsedMs).toBeLessThan(1_000);
  });
});
