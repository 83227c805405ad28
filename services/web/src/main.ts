import './styles.css';
import { BALANCER_MODES, DEMO_USERS, STRATEGIES } from './catalog.js';
import { mountDashboard } from './dashboard.js';
import { type ParsedConfig, parseDashboardConfig } from './dashboard-config.js';
import { LANGUAGE_STORAGE_KEY, pickInitialLanguage } from './i18n/translate.js';

/** Upper bound for fetching config.json, so a slow server cannot keep the page blank. */
const CONFIG_TIMEOUT_MS = 3000;

/** Fetches `config.json` from next to `index.html`; a missing or broken file gives the defaults and a notice. */
async function loadConfig(): Promise<ParsedConfig & { unreadable: boolean }> {
  try {
    const response = await fetch(new URL('config.json', location.href), {
      cache: 'no-store',
      signal: AbortSignal.timeout(CONFIG_TIMEOUT_MS),
    });
    if (!response.ok) {
      throw new Error(`config.json request failed with status ${response.status}`);
    }
    return { ...parseDashboardConfig(await response.json(), location.hostname), unreadable: false };
  } catch {
    return { ...parseDashboardConfig(undefined, location.hostname), unreadable: true };
  }
}

function readSavedLanguage(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null;
  }
}

async function start(): Promise<void> {
  const language = pickInitialLanguage(readSavedLanguage(), navigator.languages ?? [navigator.language]);
  document.documentElement.lang = language;
  const loaded = await loadConfig();

  mountDashboard({
    language,
    config: loaded.config,
    configNotices: loaded.notices,
    configUnreadable: loaded.unreadable,
    strategyId: STRATEGIES[0]?.id ?? '',
    balancerModeId: BALANCER_MODES[0]?.id ?? '',
    username: DEMO_USERS[0]?.username ?? '',
    balancerUrlOverrides: new Map(),
    signIns: new Map(),
    burst: null,
    pageRows: new Map(),
  });
  document.body.dataset.ready = 'true';
}

void start();
