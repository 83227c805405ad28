import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderNginxConfig } from '@authlab/balancer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findClusterBinaries, findFreePort, type NginxServer, startNginxServer } from '../src/index.js';

/** Fetches a URL with a chosen Host header, which fetch() does not let a caller set. */
function getWithHost(url: string, host: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { host }, agent: false, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? '', body }),
      );
    }).on('error', reject);
  });
}

describe('nginx dashboard listener', () => {
  let runParent: string;
  let nginx: NginxServer | undefined;
  let dashboardUrl: string;
  let balancerPort: number;

  beforeAll(async () => {
    const binaries = await findClusterBinaries();
    runParent = await mkdtemp(join(tmpdir(), 'authlab-dashboard-'));
    // nginx workers run as nobody when the tests run as root; they must reach the files.
    await chmod(runParent, 0o755);
    const runDir = join(runParent, 'nginx');
    const root = join(runParent, 'web');
    await mkdir(join(root, 'assets'), { recursive: true, mode: 0o755 });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>t</title>', { mode: 0o644 });
    await writeFile(join(root, 'assets', 'index-abc123.js'), 'console.log(1);', { mode: 0o644 });

    balancerPort = await findFreePort();
    const dashboardPort = await findFreePort();
    nginx = await startNginxServer({
      binary: binaries.nginx,
      runDir,
      configText: renderNginxConfig({
        target: 'local',
        runDir,
        listeners: [{ mode: 'round-robin', host: '127.0.0.1', port: balancerPort }],
        replicaServers: ['127.0.0.1:9'],
        authServer: '127.0.0.1:9',
        dashboard: { host: '127.0.0.1', port: dashboardPort, root },
        workerUser: process.getuid?.() === 0 ? 'nobody nogroup' : undefined,
      }),
      probe: { host: '127.0.0.1', port: dashboardPort },
    });
    dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
  });

  afterAll(async () => {
    await nginx?.stop(2_000);
    await rm(runParent, { recursive: true, force: true });
  });

  it('serves index.html with a content security policy', async () => {
    const response = await fetch(`${dashboardUrl}/`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toContain('<title>t</title>');
  });

  it('serves hashed assets as JavaScript with a long cache lifetime', async () => {
    const response = await fetch(`${dashboardUrl}/assets/index-abc123.js`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('max-age=315360000');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('writes config.json for the host name of the request', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const response = await getWithHost(
        `${dashboardUrl}/config.json`,
        `${host}:${new URL(dashboardUrl).port}`,
      );

      expect(response.status, host).toBe(200);
      expect(response.type, host).toBe('application/json; charset=utf-8');
      expect(JSON.parse(response.body), host).toEqual({
        balancerUrls: { 'round-robin': `http://${host}:${balancerPort}` },
        drillApiUrl: null,
      });
    }
  });

  it('answers a missing file with 404', async () => {
    const response = await fetch(`${dashboardUrl}/missing.js`);
    expect(response.status).toBe(404);
  });
});
