import { describe, expect, it } from 'vitest';
import { type NginxConfigOptions, renderNginxConfig } from '../src/index.js';

const OPTIONS: NginxConfigOptions = {
  target: 'local',
  runDir: '/tmp/authlab-nginx',
  replicaServers: ['127.0.11.1:3000', '127.0.11.2:3000'],
  authServer: '127.0.10.1:4000',
};

/** Returns the text of the dashboard's `server { ... }` block, or an empty string when there is none. */
function findDashboardServer(config: string): string {
  const start = config.indexOf('# The browser dashboard');
  return start === -1 ? '' : config.slice(start);
}

describe('dashboard listener', () => {
  it('is absent unless asked for', () => {
    expect(findDashboardServer(renderNginxConfig(OPTIONS))).toBe('');
  });

  it('serves the root on its own listen address', () => {
    const server = findDashboardServer(
      renderNginxConfig({ ...OPTIONS, dashboard: { host: '127.0.0.1', port: 8088, root: '/srv/web' } }),
    );

    expect(server).toContain('listen 127.0.0.1:8088;');
    expect(server).toContain('root /srv/web;');
    expect(server).toContain('application/javascript js mjs;');
    expect(server).toContain(
      "Content-Security-Policy \"default-src 'self'; connect-src 'self' http: https:;",
    );
  });

  it('points config.json at every listener under the page host', () => {
    const server = findDashboardServer(
      renderNginxConfig({
        ...OPTIONS,
        listeners: [
          { mode: 'round-robin', host: '127.0.0.1', port: 8080 },
          { mode: 'ip-hash', host: '127.0.0.1', port: 8081 },
        ],
        dashboard: { port: 8088, root: '/srv/web' },
      }),
    );

    expect(server).toContain('listen 8088;');
    expect(server).toContain(
      `return 200 '{"balancerUrls":{"round-robin":"http://$host:8080","ip-hash":"http://$host:8081"},"drillApiUrl":null}';`,
    );
  });

  it('proxies /drills to the drill API when given', () => {
    const server = findDashboardServer(
      renderNginxConfig({
        ...OPTIONS,
        listeners: [{ mode: 'round-robin', host: '127.0.0.1', port: 8080 }],
        dashboard: { port: 8088, root: '/srv/web', drillApi: '127.0.0.1:39123' },
      }),
    );

    expect(server).toContain('"drillApiUrl":"/drills"');
    expect(server).toContain('location /drills {');
    expect(server).toContain('proxy_pass http://127.0.0.1:39123;');
    expect(server).toContain('proxy_set_header Host $http_host;');
    expect(server).toContain('error_page 502 504 @drill_api_unavailable;');
    expect(server).toMatch(/return 503 '\{"statusCode":503,"code":"DRILL_API_UNAVAILABLE"/);
  });

  it('serves no drill location without a drill API', () => {
    const server = findDashboardServer(
      renderNginxConfig({ ...OPTIONS, dashboard: { port: 8088, root: '/srv/web' } }),
    );

    expect(server).not.toContain('location /drills');
    expect(server).toContain('"drillApiUrl":null');
  });

  it('rejects a drill API that is not an address and port', () => {
    for (const drillApi of ['localhost', '127.0.0.1', 'http://127.0.0.1:1', '127.0.0.1:1; evil']) {
      expect(
        () => renderNginxConfig({ ...OPTIONS, dashboard: { port: 8088, root: '/srv/web', drillApi } }),
        drillApi,
      ).toThrow(/dashboard drillApi must be an IPv4 address and port/);
    }
  });

  it('rejects a port a listener already uses', () => {
    expect(() => renderNginxConfig({ ...OPTIONS, dashboard: { port: 8080, root: '/srv/web' } })).toThrow(
      "dashboard port 8080 is already a balancer listener's port",
    );
  });

  it('rejects a relative or unsafe root', () => {
    for (const root of ['web/dist', '/srv/my web', '/srv/web;', '/srv/$web']) {
      expect(() => renderNginxConfig({ ...OPTIONS, dashboard: { port: 8088, root } }), root).toThrow(
        /dashboard root must be an absolute path/,
      );
    }
  });

  it('rejects a bad host or port', () => {
    expect(() =>
      renderNginxConfig({ ...OPTIONS, dashboard: { host: 'example.com', port: 8088, root: '/srv/web' } }),
    ).toThrow(/dashboard host must be an IPv4 address or localhost/);
    expect(() => renderNginxConfig({ ...OPTIONS, dashboard: { port: 70_000, root: '/srv/web' } })).toThrow(
      /dashboard port must be an integer from 1 to 65535/,
    );
  });
});
