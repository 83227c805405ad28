// The callbacks passed to page.$eval run in the browser, so this file type-checks with the DOM library.
/// <reference lib="dom" />
import { mkdir } from 'node:fs/promises';
import type { ClusterHandle } from '@authlab/cluster';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DRILLS } from '../../services/web/src/catalog.js';
import { launchTestBrowser, type TestBrowser } from '../support/browser.js';
import { startTestCluster } from '../support/cluster.js';
import { type BurstResult, readBurstResult, SCREENSHOT_DIR } from '../support/dashboard-page.js';

const BURST_SIZE = 24;
/** The page's default burst size, which the Redis test keeps. */
const BURST_SIZE_DEFAULT = 30;
/** A drill step restarts processes and waits for their readiness checks. */
const STEP_TIMEOUT_MS = 45_000;

let cluster: ClusterHandle;
let browser: TestBrowser;
let dashboardUrl: string;
/** Whether the dashboard's config names a drill API: the local cluster does, compose does not. */
let drillsServed = false;

beforeAll(async () => {
  cluster = await startTestCluster();
  if (cluster.urls.dashboard === undefined) {
    throw new Error(`the ${cluster.mode} cluster serves no dashboard: build it with pnpm build`);
  }
  dashboardUrl = cluster.urls.dashboard;
  const config = (await (await fetch(`${dashboardUrl}/config.json`)).json()) as {
    drillApiUrl: string | null;
  };
  drillsServed = config.drillApiUrl !== null;
  browser = await launchTestBrowser();
});

// A test that fails half-way leaves its drill active, and the next test could not start one.
afterEach(async () => {
  if (!drillsServed) {
    return;
  }
  const state = (await (await fetch(`${dashboardUrl}/drills`)).json()) as { active: { name: string } | null };
  if (state.active !== null) {
    await fetch(`${dashboardUrl}/drills/${state.active.name}/recover`, {
      method: 'POST',
      headers: { origin: dashboardUrl, 'content-type': 'application/json' },
    });
  }
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

async function openDashboard(): Promise<Page> {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  await page.goto(`${dashboardUrl}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('#drill-status:not([data-state="loading"])');
  return page;
}

async function signIn(page: Page, strategy: string, mode: string): Promise<void> {
  await page.selectOption('#strategy-select', strategy);
  await page.selectOption('#mode-select', mode);
  await page.click('#sign-in-button');
  await page.waitForSelector('#sign-in-status[data-tone="success"], #sign-in-status[data-tone="error"]');
  expect(await page.getAttribute('#sign-in-status', 'data-tone')).toBe('success');
}

/**
 * Clicks a drill button or the recover button, waits for the step to end, and returns the burst the page
 * sends after it. The grid is cleared first, so the burst read is the one after this step.
 */
async function runDrillStep(page: Page, selector: string, expectedState: string): Promise<BurstResult> {
  await page.click('#clear-button');
  await page.click(selector);
  await page.waitForSelector(`#drill-status[data-state="${expectedState}"]`, { timeout: STEP_TIMEOUT_MS });
  return readBurstResult(page);
}

/** Returns the replica numbers of the rejected cells: each shows ✕ and its replica's number. */
async function rejectedReplicaNumbers(page: Page): Promise<string[]> {
  return page.$$eval('#burst-grid li.cell.rejected span[aria-hidden="true"]', (marks) =>
    marks.map((mark) => (mark.textContent ?? '').replace('✕', '').trim()),
  );
}

describe('drills from the dashboard', () => {
  it('lists every drill of the catalog with the replicas', async (context) => {
    if (!drillsServed) {
      context.skip(`the ${cluster.mode} cluster serves no drill API`);
    }
    const page = await openDashboard();

    expect(await page.isVisible('#drill-panel')).toBe(true);
    expect(await page.getAttribute('#drill-status', 'data-state')).toBe('idle');
    const drills = await page.$$eval('#drill-list button', (buttons) =>
      buttons.map((button) => (button as HTMLButtonElement).dataset.drill),
    );
    expect(drills).toEqual([...DRILLS]);
    const replicas = await page.$$eval('#drill-replica option', (options) =>
      options.map((option) => (option as HTMLOptionElement).value),
    );
    expect(replicas).toEqual([...cluster.replicaIds]);
    expect(await page.isHidden('#drill-recover')).toBe(true);

    await page.close();
  });

  it('shows a Redis outage as fast failures, then lost sessions', async (context) => {
    if (!drillsServed) {
      context.skip(`the ${cluster.mode} cluster serves no drill API`);
    }
    const page = await openDashboard();
    await signIn(page, 'session-redis', 'round-robin');

    const during = await runDrillStep(page, '#drill-list button[data-drill="redis-outage"]', 'active');
    expect(await page.getAttribute('#drill-status', 'data-active')).toBe('redis-outage');
    expect(await page.isVisible('#drill-recover')).toBe(true);
    expect(during.total).toBe(BURST_SIZE_DEFAULT);
    expect(during.failed).toBe(during.total);
    // The details panel shows the latest response: the replica's 503 with Retry-After.
    const details = (await page.textContent('#details-content')) ?? '';
    expect(details).toContain('503');
    expect(details).toMatch(/retry-after/i);
    // Every other drill waits until this one is recovered.
    expect(await page.isDisabled('#drill-list button[data-drill="stop-replica"]')).toBe(true);

    const after = await runDrillStep(page, '#drill-recover', 'idle');
    expect(await page.getAttribute('#drill-status', 'data-tone')).toBe('success');
    // The new Redis keeps nothing on disk, so the page's session is gone.
    expect(after.rejected).toBe(after.total);

    await signIn(page, 'session-redis', 'round-robin');
    await page.click('#clear-button');
    await page.click('#burst-button');
    const again = await readBurstResult(page);
    expect(again.accepted).toBe(again.total);

    await page.close();
  });

  it('rejects what a replica with its own secrets answers', async (context) => {
    if (!drillsServed) {
      context.skip(`the ${cluster.mode} cluster serves no drill API`);
    }
    const page = await openDashboard();
    await signIn(page, 'jwt', 'round-robin');
    await page.fill('#burst-size', String(BURST_SIZE));
    const target = cluster.replicaIds[1]!;
    await page.selectOption('#drill-replica', target);

    const during = await runDrillStep(page, '#drill-list button[data-drill="secret-mismatch"]', 'active');
    expect(await page.textContent('#drill-status')).toContain(target);
    expect(during.total).toBe(BURST_SIZE);
    expect(during.failed).toBe(0);
    expect(during.rejected).toBeGreaterThan(0);
    expect(during.accepted).toBeGreaterThan(0);
    const targetNumber = target.replace('api-', '');
    expect(new Set(await rejectedReplicaNumbers(page))).toEqual(new Set([targetNumber]));
    await writeScreenshot(page, 'dashboard-drill-secret-mismatch-1280x800.png');

    const after = await runDrillStep(page, '#drill-recover', 'idle');
    expect(after.accepted).toBe(after.total);
    expect(after.replicas).toContain(target);

    await page.close();
  });

  it('restarts the replica that holds a memory session', async (context) => {
    if (!drillsServed) {
      context.skip(`the ${cluster.mode} cluster serves no drill API`);
    }
    const page = await openDashboard();
    await page.fill('#burst-size', String(BURST_SIZE));
    await signIn(page, 'session-memory', 'sticky-route');
    await page.click('#burst-button');
    const before = await readBurstResult(page);
    expect(before.accepted).toBe(before.total);
    expect(before.replicas).toHaveLength(1);
    // Until the user picks one, the panel selects the replica that served the sign-in.
    expect(await page.inputValue('#drill-replica')).toBe(before.replicas[0]);

    const after = await runDrillStep(page, '#drill-list button[data-drill="restart-replica"]', 'idle');
    expect(await page.textContent('#drill-status')).toContain(before.replicas[0]!);
    expect(after.rejected).toBe(after.total);
    expect(after.replicas).toEqual(before.replicas);

    await page.close();
  });

  it('keeps a working JWT while the auth service is down', async (context) => {
    if (!drillsServed) {
      context.skip(`the ${cluster.mode} cluster serves no drill API`);
    }
    const page = await openDashboard();
    await page.fill('#burst-size', String(BURST_SIZE));
    await signIn(page, 'jwt', 'round-robin');

    // Keyboard: Enter on the drill button starts it, and the focus moves to Recover.
    await page.click('#clear-button');
    await page.focus('#drill-list button[data-drill="auth-outage"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#drill-status[data-state="active"]', { timeout: STEP_TIMEOUT_MS });
    const during = await readBurstResult(page);
    expect(during.accepted).toBe(during.total);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('drill-recover');
    expect(await page.textContent('#expectation')).toContain('While Stop the auth service is active');

    // A sign-in fails while the service is down, and the page keeps the token it has.
    await page.click('#sign-in-button');
    await page.waitForSelector('#sign-in-status[data-tone="error"]');
    expect(await page.textContent('#sign-in-status')).toContain('Your earlier sign-in is kept');
    await page.click('#clear-button');
    await page.click('#burst-button');
    const afterFailedSignIn = await readBurstResult(page);
    expect(afterFailedSignIn.accepted).toBe(afterFailedSignIn.total);

    await page.focus('#drill-recover');
    await page.keyboard.press('Space');
    await page.waitForSelector('#drill-status[data-state="idle"]', { timeout: STEP_TIMEOUT_MS });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-drill'))).toBe('auth-outage');
    expect(await page.textContent('#expectation')).not.toContain('While');

    await page.close();
  });

  it('says why no burst follows without a sign-in', async (context) => {
    if (!drillsServed) {
      context.skip(`the ${cluster.mode} cluster serves no drill API`);
    }
    const page = await openDashboard();

    await page.click('#drill-list button[data-drill="restart-replica"]');
    await page.waitForSelector('#drill-status[data-state="idle"][data-tone="success"]', {
      timeout: STEP_TIMEOUT_MS,
    });

    expect(await page.isVisible('#drill-note')).toBe(true);
    expect(await page.textContent('#drill-note')).toContain('not signed in');
    expect(await page.getAttribute('#burst-status', 'data-state')).toBe('idle');

    await page.close();
  });

  it('follows a step that a reload interrupted', async (context) => {
    if (!drillsServed) {
      context.skip(`the ${cluster.mode} cluster serves no drill API`);
    }
    const page = await openDashboard();

    await page.click('#drill-list button[data-drill="restart-replica"]');
    await page.waitForSelector('#drill-status[data-state="running"]');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');

    // The step started before the reload ends on its own, and the page notices without another reload.
    await page.waitForSelector('#drill-status[data-state="idle"]', { timeout: STEP_TIMEOUT_MS });
    expect(await page.isEnabled('#drill-list button[data-drill="restart-replica"]')).toBe(true);

    await page.close();
  });

  it('shows an active drill again after a reload', async (context) => {
    if (!drillsServed) {
      context.skip(`the ${cluster.mode} cluster serves no drill API`);
    }
    const page = await openDashboard();
    const target = cluster.replicaIds[cluster.replicaIds.length - 1]!;
    await page.selectOption('#drill-replica', target);
    await page.click('#drill-list button[data-drill="stop-replica"]');
    await page.waitForSelector('#drill-status[data-state="active"]', { timeout: STEP_TIMEOUT_MS });

    await page.reload();
    await page.waitForSelector('#drill-status:not([data-state="loading"])');
    expect(await page.getAttribute('#drill-status', 'data-state')).toBe('active');
    expect(await page.getAttribute('#drill-status', 'data-active')).toBe('stop-replica');
    expect(await page.textContent('#drill-recover')).toContain('Stop a replica');
    expect(await page.inputValue('#drill-replica')).toBe(target);

    await page.click('[data-language="zh-CN"]');
    expect(await page.textContent('#drill-recover')).toContain('停止一个副本');
    expect(await page.textContent('#drill-status')).toContain('停止一个副本');
    await writeScreenshot(page, 'dashboard-drill-zh-CN-1280x800.png');
    await page.click('[data-language="en"]');

    await page.click('#drill-recover');
    await page.waitForSelector('#drill-status[data-state="idle"]', { timeout: STEP_TIMEOUT_MS });
    expect(await page.getAttribute('#drill-status', 'data-tone')).toBe('success');

    await page.close();
  });
});

async function writeScreenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}`, fullPage: true });
}
