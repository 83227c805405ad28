// The callbacks passed to page.$eval run in the browser, so this file type-checks with the DOM library.
/// <reference lib="dom" />
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/** Folder of the screenshots the browser tests write as test artifacts. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));

/** Counts of the dashboard's latest burst, as `#burst-status` carries them in data attributes. */
export interface BurstResult {
  readonly accepted: number;
  readonly rejected: number;
  readonly failed: number;
  readonly total: number;
  readonly replicas: readonly string[];
}

/** Waits until the dashboard's latest burst is done and returns its counts. */
export async function readBurstResult(page: Page): Promise<BurstResult> {
  await page.waitForSelector('#burst-status[data-state="done"]', { timeout: 30_000 });
  const data = await page.$eval('#burst-status', (element) => ({ ...(element as HTMLElement).dataset }));
  return {
    accepted: Number(data.accepted),
    rejected: Number(data.rejected),
    failed: Number(data.failed),
    total: Number(data.total),
    replicas: (data.replicas ?? '').split(',').filter((replica) => replica !== ''),
  };
}
