import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium. The tests never let a tool download a browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for headless Chromium as root in a container, without any traffic of its own to the internet. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A Chromium with a fresh profile folder, removed again by `close`. */
export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with a new user-data folder, so no cookie, cache or saved setting survives
 * from another run. Fails with the install command when Chromium is missing.
 */
export async function launchTestBrowser(
  options: { viewport?: { width: number; height: number }; locale?: string } = {},
): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: install Chromium with scripts/setup (apt-get install chromium)`,
    );
  }

  const userDataDir = await mkdtemp(join(tmpdir(), 'authlab-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1280, height: 800 },
      locale: options.locale ?? 'en-US',
    });
    return {
      context,
      async close() {
        await context.close();
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
}
