import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { ClusterHandle } from '@authlab/cluster';
import { findFreePort, waitUntil } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchTestBrowser, type TestBrowser } from '../support/browser.js';
import { startTestCluster } from '../support/cluster.js';

/** Outcome of a `fetch` inside a page: whether the script could read the response, and its status. */
interface FetchProbe {
  readonly readable: boolean;
  readonly status: number | null;
  readonly error: string | null;
}

let cluster: ClusterHandle;
let browser: TestBrowser;
let foreignServer: Server;
let foreignOrigin: string;

/**
 * Serves one page from an origin that no service allows: a form that posts to the balancer, one that
 * posts to the dashboard's drill API, and nothing else. Its scripts come from the test through `page.evaluate`.
 */
function startForeignSite(balancer: string, dashboard: string, port: number): Promise<Server> {
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>another site</title></head>
<body>
  <form id="login-form" method="post" action="${balancer}/session-redis/login">
    <input name="username" value="alice">
    <input name="password" value="alice-in-the-lab">
    <button id="submit" type="submit">Sign in</button>
  </form>
  <form id="drill-form" method="post" action="${dashboard}/drills/redis-outage">
    <input name="replica" value="api-1">
    <button id="drill-submit" type="submit">Stop Redis</button>
  </form>
</body></html>`;
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page);
  });
  return new Promise((resolve) => server.listen({ host: '127.0.0.1', port }, () => resolve(server)));
}

/** Waits until the balancer's access log has a line for `path` and returns it, parsed. */
async function waitForAccessLogLine(path: string): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  await waitUntil(
    async () => {
      const lines = await cluster.readLogLines('nginx');
      const line = lines.find((candidate) => candidate.includes(`"path":"${path}"`));
      found = line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
      return found !== undefined;
    },
    { timeoutMs: 5_000, description: `an nginx access log line for ${path}` },
  );
  return found!;
}

beforeAll(async () => {
  cluster = await startTestCluster();
  if (cluster.urls.dashboard === undefined) {
    throw new Error(`the ${cluster.mode} cluster serves no dashboard: build it with pnpm build`);
  }
  const port = await findFreePort('127.0.0.1');
  foreignOrigin = `http://127.0.0.1:${port}`;
  foreignServer = await startForeignSite(cluster.urls.balancer, cluster.urls.dashboard, port);
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => foreignServer?.close(resolve));
  await cluster?.stop();
});

/** Builds a page script that runs `fetch(url)` and reports whether it could read the response. */
function probeFetch(url: string, credentials: 'include' | 'omit'): string {
  return `fetch(${JSON.stringify(url)}, { credentials: ${JSON.stringify(credentials)}, cache: 'no-store' })
    .then((response) => ({ readable: true, status: response.status, error: null }))
    .catch((error) => ({ readable: false, status: null, error: String(error) }))`;
}

describe('same-origin policy', () => {
  it('sends a cross-origin fetch from an unlisted origin but hides its response', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${foreignOrigin}/`);
    const path = `/s5-probe-${randomUUID()}`;

    const probe = (await page.evaluate(
      probeFetch(`${cluster.urls.balancer}${path}`, 'include'),
    )) as FetchProbe;

    expect(probe.readable).toBe(false);
    expect(probe.status).toBeNull();
    expect(probe.error).toContain('TypeError');
    const line = await waitForAccessLogLine(path);
    expect(line.method).toBe('GET');
    expect(line.status).toBe(404);

    await page.close();
  });

  it('lets the allowed dashboard origin read the same kind of response', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${cluster.urls.dashboard}/`);
    const path = `/s5-probe-${randomUUID()}`;

    const probe = (await page.evaluate(
      probeFetch(`${cluster.urls.balancer}${path}`, 'include'),
    )) as FetchProbe;

    expect(probe).toEqual({ readable: true, status: 404, error: null });
    await waitForAccessLogLine(path);

    await page.close();
  });

  it('does not block a plain form post from an unlisted origin', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${foreignOrigin}/`);

    const [response] = await Promise.all([
      page.waitForNavigation({ url: `${cluster.urls.balancer}/session-redis/login` }),
      page.click('#submit'),
    ]);

    // The browser sent the post and shows the replica's response. The replica's own defence is to accept
    // JSON only, so a form body gets 415 and no session cookie.
    expect(response?.status()).toBe(415);
    expect(await page.textContent('body')).toContain('MEDIA_TYPE_UNSUPPORTED');
    const line = await waitForAccessLogLine('/session-redis/login');
    expect(line.method).toBe('POST');
    expect(line.status).toBe(415);
    const cookies = await browser.context.cookies(cluster.urls.balancer);
    expect(cookies.find((cookie) => cookie.name === 'sid_redis')).toBeUndefined();

    await page.close();
  });

  it('cannot start a drill from an unlisted origin', async (context) => {
    const config = (await (await fetch(`${cluster.urls.dashboard}/config.json`)).json()) as {
      drillApiUrl: string | null;
    };
    if (config.drillApiUrl === null) {
      context.skip(`the ${cluster.mode} cluster serves no drill API`);
    }
    const readActiveDrill = async () =>
      ((await (await fetch(`${cluster.urls.dashboard}/drills`)).json()) as { active: unknown }).active;
    const page = await browser.context.newPage();
    await page.goto(`${foreignOrigin}/`);

    // A JSON post needs a CORS preflight, which the drill API does not allow, so the browser never sends it.
    const probe =
      (await page.evaluate(`fetch(${JSON.stringify(`${cluster.urls.dashboard}/drills/redis-outage`)}, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}'
      })
      .then((response) => ({ readable: true, status: response.status, error: null }))
      .catch((error) => ({ readable: false, status: null, error: String(error) }))`)) as FetchProbe;
    expect(probe.readable).toBe(false);
    expect(probe.error).toContain('TypeError');
    expect(await readActiveDrill()).toBeNull();

    // A plain form post needs no preflight: the browser sends it, and the drill API rejects its origin.
    const [response] = await Promise.all([
      page.waitForNavigation({ url: `${cluster.urls.dashboard}/drills/redis-outage` }),
      page.click('#drill-submit'),
    ]);
    expect(response?.status()).toBe(403);
    expect(await page.textContent('body')).toContain('DRILL_ORIGIN_REJECTED');
    expect(await readActiveDrill()).toBeNull();
    expect((await fetch(`${cluster.urls.balancer}/healthz`)).status).toBe(200);

    await page.close();
  });
});
