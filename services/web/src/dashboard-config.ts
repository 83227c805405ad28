import { BALANCER_MODES } from './catalog.js';

/**
 * Settings the page reads from the `config.json` served next to `index.html`, so the local and the compose
 * cluster can point the same build at different addresses.
 */
export interface DashboardConfig {
  /** Base URL of each balancer listener, keyed by balancer mode. */
  readonly balancerUrls: Readonly<Record<string, string>>;
  /**
   * Base of the drill API: a path on the page's own origin such as `/drills`, or an absolute http(s) URL.
   * The drill panel stays hidden while it is null.
   */
  readonly drillApiUrl: string | null;
}

/** Reason a field of `config.json` was ignored, as a message key suffix the page translates. */
export type ConfigNoticeReason =
  | 'not-object'
  | 'unknown-field'
  | 'not-map'
  | 'unknown-mode'
  | 'invalid-url'
  | 'invalid-api-url';

/** One field of `config.json` that was ignored, and why. */
export interface ConfigNotice {
  readonly field: string;
  readonly reason: ConfigNoticeReason;
}

export interface ParsedConfig {
  readonly config: DashboardConfig;
  readonly notices: readonly ConfigNotice[];
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Builds the balancer URL of each mode when `config.json` names none. On a loopback page it keeps the page's
 * own host name, because `localhost` and `127.0.0.1` are different sites and SameSite cookies are sent only
 * within one site.
 */
export function buildDefaultBalancerUrls(pageHostname: string): Record<string, string> {
  const host = LOOPBACK_NAMES.has(pageHostname) ? pageHostname : '127.0.0.1';
  return Object.fromEntries(BALANCER_MODES.map((mode) => [mode.id, `http://${host}:${mode.port}`]));
}

/**
 * Checks that `value` is an absolute http(s) URL with no path, query or credentials, and returns it without a
 * trailing slash. Returns null for anything else.
 */
export function normalizeBaseUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return null;
  }
  if (url.username !== '' || url.password !== '') {
    return null;
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    return null;
  }

  return url.origin;
}

/**
 * Reads the parsed JSON of `config.json`. Unknown balancer modes and invalid URLs are ignored with a notice, so
 * a stale file never stops the page. Missing fields fall back to the defaults for `pageHostname`.
 */
export function parseDashboardConfig(raw: unknown, pageHostname: string): ParsedConfig {
  const notices: ConfigNotice[] = [];
  const balancerUrls = buildDefaultBalancerUrls(pageHostname);
  let drillApiUrl: string | null = null;

  if (raw === undefined || raw === null) {
    return { config: Object.freeze({ balancerUrls: Object.freeze(balancerUrls), drillApiUrl }), notices };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    notices.push({ field: 'config.json', reason: 'not-object' });
    return { config: Object.freeze({ balancerUrls: Object.freeze(balancerUrls), drillApiUrl }), notices };
  }

  const record = raw as Record<string, unknown>;

  for (const field of Object.keys(record)) {
    if (field !== 'balancerUrls' && field !== 'drillApiUrl') {
      notices.push({ field, reason: 'unknown-field' });
    }
  }

  const urls = record.balancerUrls;
  if (urls !== undefined) {
    if (typeof urls !== 'object' || urls === null || Array.isArray(urls)) {
      notices.push({ field: 'balancerUrls', reason: 'not-map' });
    } else {
      for (const [modeId, value] of Object.entries(urls)) {
        const field = `balancerUrls.${modeId}`;
        if (!(modeId in balancerUrls)) {
          notices.push({ field, reason: 'unknown-mode' });
          continue;
        }
        const url = typeof value === 'string' ? normalizeBaseUrl(value) : null;
        if (url === null) {
          notices.push({ field, reason: 'invalid-url' });
          continue;
        }
        balancerUrls[modeId] = url;
      }
    }
  }

  const drill = record.drillApiUrl;
  if (drill !== undefined && drill !== null) {
    const url = typeof drill === 'string' ? normalizeApiBase(drill) : null;
    if (url === null) {
      notices.push({ field: 'drillApiUrl', reason: 'invalid-api-url' });
    } else {
      drillApiUrl = url;
    }
  }

  return { config: Object.freeze({ balancerUrls: Object.freeze(balancerUrls), drillApiUrl }), notices };
}

/**
 * Checks that `value` is a path such as `/drills` or an absolute http(s) URL, with no query, fragment or
 * credentials, and returns it without a trailing slash. Returns null for anything else.
 */
export function normalizeApiBase(value: string): string | null {
  const text = value.trim();
  const isPath = /^\/(?!\/)/.test(text);
  let url: URL;
  try {
    url = new URL(text, isPath ? 'http://page.invalid' : undefined);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return null;
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return null;
  }
  const path = url.pathname.replace(/\/+$/, '');
  return isPath ? path || '/' : `${url.origin}${path}`;
}

/** Tells whether two http(s) URLs belong to the same site as browsers define it for SameSite cookies on loopback. */
export function isSameSite(pageUrl: string, targetUrl: string): boolean {
  const page = new URL(pageUrl);
  const target = new URL(targetUrl);
  // Without a public suffix list the registrable domain is unknown, so this compares host names. On loopback,
  // where the lab runs, the host name is the whole site. The scheme counts and the port does not.
  return page.protocol === target.protocol && page.hostname === target.hostname;
}
