// The callbacks passed to page.evaluate run in the browser, so this file type-checks with the DOM library.
/// <reference lib="dom" />
import { mkdir } from 'node:fs/promises';
import type { ClusterHandle } from '@authlab/cluster';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BALANCER_MODES, predictOutcome, STRATEGIES } from '../../services/web/src/catalog.js';
import { launchTestBrowser, type TestBrowser } from '../support/browser.js';
import { startTestCluster } from '../support/cluster.js';
import { type BurstResult, readBurstResult, SCREENSHOT_DIR } from '../support/dashboard-page.js';

const BURST_SIZE = 30;
/** basic checks the password hash (scrypt) on every request, so its bursts are kept short. */
const BASIC_BURST_SIZE = 9;

let cluster: ClusterHandle;
let browser: TestBrowser;
let dashboardUrl: string;
/** Balancer URL of each mode, as the dashboard's config.json gives it. */
let balancerUrls: Record<string, string>;

beforeAll(async () => {
  cluster = await startTestCluster();
  if (cluster.urls.dashboard === undefined) {
    throw new Error(`the ${cluster.mode} cluster serves no dashboard: build it with pnpm build`);
  }
  dashboardUrl = cluster.urls.dashboard;
  const config = (await (await fetch(`${dashboardUrl}/config.json`)).json()) as {
    balancerUrls: Record<string, string>;
  };
  balancerUrls = config.balancerUrls;
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

/** Opens the dashboard in a new tab, with no cookie left from an earlier test, once it has read its config. */
async function openDashboard(): Promise<Page> {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  await page.goto(`${dashboardUrl}/`);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

/** Returns the text of the first element that matches `selector`, waiting for it to exist. */
async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}

async function signIn(page: Page, strategy: string, mode: string, user = 'alice'): Promise<void> {
  await page.selectOption('#strategy-select', strategy);
  await page.selectOption('#mode-select', mode);
  await page.selectOption('#user-select', user);
  await page.click('#sign-in-button');
  await page.waitForSelector('#sign-in-status[data-tone="success"], #sign-in-status[data-tone="error"]');
}

async function sendBurst(page: Page, size = BURST_SIZE): Promise<BurstResult> {
  await page.fill('#burst-size', String(size));
  await page.click('#burst-button');
  return readBurstResult(page);
}

describe('dashboard in Chromium', () => {
  it('serves every balancer mode of the catalog', () => {
    const catalogModes = BALANCER_MODES.map((mode) => mode.id);
    expect(Object.keys(balancerUrls).length).toBeGreaterThan(0);
    for (const mode of Object.keys(balancerUrls)) {
      expect(catalogModes, mode).toContain(mode);
    }
  });

  for (const strategy of STRATEGIES) {
    for (const mode of BALANCER_MODES) {
      it(`shows the expected outcome of ${strategy.id} through ${mode.id}`, async () => {
        if (!(mode.id in balancerUrls)) {
          return;
        }
        const page = await openDashboard();

        await signIn(page, strategy.id, mode.id);
        expect(await page.getAttribute('#sign-in-status', 'data-tone')).toBe('success');
        const size = strategy.credential === 'basic' ? BASIC_BURST_SIZE : BURST_SIZE;
        const result = await sendBurst(page, size);

        expect(result.total).toBe(size);
        expect(result.failed).toBe(0);
        expect(result.replicas).not.toContain('?');
        const expected = predictOutcome(strategy, mode);
        if (expected === 'all-accepted') {
          expect(result.accepted).toBe(size);
        } else if (expected === 'mostly-rejected') {
          expect(result.rejected).toBeGreaterThan(size / 2);
        } else {
          expect([result.accepted, result.rejected]).toContain(size);
        }
        if (mode.pinning === 'none' && cluster.replicaIds.length > 1) {
          expect(result.replicas.length).toBeGreaterThan(1);
        }
        if (mode.pinning === 'client-address' || expected === 'all-or-none') {
          expect(result.replicas).toHaveLength(1);
        }
        expect(await page.locator('#burst-grid li.cell.rejected').count()).toBe(result.rejected);
        expect(await page.locator('#burst-grid li.cell').count()).toBe(size);

        await page.close();
      });
    }
  }

  it('keeps session cookies HttpOnly and out of document.cookie', async () => {
    const page = await openDashboard();
    const mode = BALANCER_MODES[0]!;
    const balancerUrl = balancerUrls[mode.id]!;

    for (const strategy of STRATEGIES.filter((entry) => entry.cookieName !== undefined)) {
      await signIn(page, strategy.id, mode.id);
      expect(await page.getAttribute('#sign-in-status', 'data-tone'), strategy.id).toBe('success');

      const cookies = await browser.context.cookies(balancerUrl);
      const cookie = cookies.find((candidate) => candidate.name === strategy.cookieName);
      expect(cookie, strategy.id).toBeDefined();
      expect(cookie?.httpOnly, strategy.id).toBe(true);
      expect(cookie?.sameSite, strategy.id).toBe('Lax');
      expect(await page.evaluate(() => document.cookie), strategy.id).toBe('');
      expect(await textOf(page, '#details-content')).toContain(`sets the cookie ${strategy.cookieName}`);
      expect(await textOf(page, '#details-content')).toContain('document.cookie');
    }

    await page.close();
  });

  it('shows the replicas that answered and the readable headers', async () => {
    const page = await openDashboard();
    const mode = BALANCER_MODES[0]!;

    await signIn(page, 'jwt', mode.id);
    const result = await sendBurst(page, 9);

    const firstCell = page.locator('#burst-grid li.cell').first();
    expect(await firstCell.getAttribute('class')).toMatch(/replica-\d/);
    expect(result.replicas.every((replica) => replica.startsWith('api-'))).toBe(true);
    expect(await textOf(page, '#details-content')).toContain('x-served-by: api-');
    expect(await textOf(page, '#details-content')).toContain('x-request-id: ');
    expect(await textOf(page, '#counts-body')).toContain('api-1');
    expect(await page.locator('#compare-charts svg').first().isVisible()).toBe(true);

    await page.close();
  });

  it('draws a report file opened in the comparison panel', async () => {
    const page = await openDashboard();
    const row = {
      strategy: 'jwt',
      balancerMode: 'round-robin',
      accepted: 9,
      rejected: 0,
      errors: 0,
      servedBy: { 'api-1': 3, 'api-2': 3, 'api-3': 3 },
      latencyMs: { median: 2, p95: 5 },
      verdict: 'works on every replica',
    };
    const report = {
      kind: 'authlab-compare',
      balancers: { 'round-robin': 'http://127.0.0.1:8080' },
      runs: [{ drill: null, rows: [row, { ...row, strategy: 'session-redis', label: 'session-redis' }] }],
    };

    await page.setInputFiles('#report-file', {
      name: 'report.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(report)),
    });
    await page.waitForFunction(() =>
      document.querySelector('#compare-status')?.textContent?.includes('report.json'),
    );

    expect(await textOf(page, '#compare-status')).toBe(
      'Rows shown: 2, from the file report.json, measured through http://127.0.0.1:8080.',
    );
    expect(await textOf(page, '#report-file-name')).toBe('report.json');
    expect(await page.locator('#compare-charts svg').count()).toBe(3);
    expect(await textOf(page, '#compare-charts .verdicts')).toContain('works on every replica');

    await page.close();
  });

  it('remembers the language after a reload', async () => {
    const page = await openDashboard();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await textOf(page, 'h1')).toBe('authlab dashboard');

    await page.click('[data-language="zh-CN"]');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await textOf(page, 'h1')).toBe('authlab 仪表盘');
    expect(await page.getAttribute('[data-language="zh-CN"]', 'aria-pressed')).toBe('true');

    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await textOf(page, '#sign-in-button')).toBe('登录');
    expect(await page.evaluate(() => localStorage.getItem('authlab.language'))).toBe('zh-CN');

    await page.click('[data-language="en"]');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await textOf(page, '#sign-in-button')).toBe('Sign in');

    await page.close();
  });

  it('signs in and sends a burst with the keyboard alone', async () => {
    const page = await openDashboard();
    const visited: string[] = [];

    for (let step = 0; step < 12 && !visited.includes('sign-in-button'); step += 1) {
      await page.keyboard.press('Tab');
      visited.push(
        await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ''),
      );
    }
    expect(visited.indexOf('strategy-select')).toBeLessThan(visited.indexOf('mode-select'));
    expect(visited.indexOf('mode-select')).toBeLessThan(visited.indexOf('balancer-url'));
    expect(visited.indexOf('user-select')).toBeLessThan(visited.indexOf('sign-in-button'));

    const outline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    );
    expect(outline).toBe('solid');

    await page.keyboard.press('Enter');
    await page.waitForSelector('#sign-in-status[data-tone="success"]');

    await page.focus('#burst-size');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('burst-button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#burst-status[data-state="done"]', { timeout: 30_000 });
    expect(await page.getAttribute('#burst-status', 'data-accepted')).toBe(
      await page.getAttribute('#burst-status', 'data-total'),
    );

    await page.close();
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const page = await openDashboard();
    await signIn(page, 'jwt', BALANCER_MODES[0]!.id);
    await sendBurst(page, 9);
    await page.setViewportSize({ width: 375, height: 812 });

    for (const language of ['en', 'zh-CN']) {
      await page.click(`[data-language="${language}"]`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, language).toBeLessThanOrEqual(0);
    }

    await page.click('[data-language="en"]');
    await page.close();
  });

  it('writes screenshots of a session-memory burst', async () => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const page = await openDashboard();
    await signIn(page, 'session-memory', BALANCER_MODES[0]!.id);
    await sendBurst(page);

    for (const [width, height] of [
      [1280, 800],
      [375, 812],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const language of ['en', 'zh-CN']) {
        await page.click(`[data-language="${language}"]`);
        await page.evaluate(() => window.scrollTo(0, 0));
        const name = `dashboard-${language}-${width}x${height}`;
        await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png` });
        await page.screenshot({ path: `${SCREENSHOT_DIR}${name}-full.png`, fullPage: true });
      }
    }

    await page.click('[data-language="en"]');
    await page.close();
  });
});
