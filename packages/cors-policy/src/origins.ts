import type { ConfigProblem, Environment, ListSpec } from '@authlab/config';

/** The dashboard's origins in both local and compose clusters: nginx serves it on port 8088. */
export const DEFAULT_DASHBOARD_ORIGINS = Object.freeze(['http://127.0.0.1:8088', 'http://localhost:8088']);

/**
 * Builds the config schema entry of a service's allowlist variable (`AUTH_CORS_ORIGINS`, `API_CORS_ORIGINS`),
 * so every service documents and defaults it the same way. `checkCorsOrigins` validates the items.
 */
export function buildCorsOriginsSpec(): ListSpec {
  return {
    kind: 'list',
    default: DEFAULT_DASHBOARD_ORIGINS.join(','),
    itemHint: 'origins such as http://127.0.0.1:8088',
    description:
      'Comma-separated origins (scheme, host and port, no trailing slash) whose pages may call this service with cookies or an Authorization header. Only exact matches get CORS headers; `*` and `null` are rejected.',
  };
}

/**
 * Returns why `value` cannot be an allowlist entry, or null when it is a serialized origin as browsers send
 * it in the `Origin` header: http or https, lowercase host, no default port, no path and no trailing slash.
 */
export function findOriginProblem(value: string): string | null {
  if (value === '*') {
    return 'the wildcard * cannot be combined with credentials, because browsers reject a credentialed response that allows * (Fetch Standard, CORS protocol and credentials). List each origin instead';
  }
  if (value.toLowerCase() === 'null') {
    return 'the origin null is sent by sandboxed frames and file: pages, which any site can create, so it is never allowed';
  }

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not an origin; expected scheme://host:port such as http://127.0.0.1:8088`;
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `"${value}" is not an http or https origin`;
  }
  if (url.origin !== value) {
    return `"${value}" does not match the Origin header browsers send; write it as "${url.origin}"`;
  }
  return null;
}

/** Checks every entry of an allowlist variable and returns one problem per invalid entry. */
export function checkCorsOrigins(variable: string, origins: readonly string[]): ConfigProblem[] {
  return origins.flatMap((origin) => {
    const problem = findOriginProblem(origin);
    return problem === null ? [] : [{ variable, message: `${variable} is invalid: ${problem}` }];
  });
}

/**
 * Checks the raw value of an allowlist variable in `env`, split the way `readConfig` splits lists. A service
 * calls it beside `readConfig`, so a wildcard is reported together with every other config problem.
 */
export function checkCorsOriginsVariable(env: Environment, variable: string): ConfigProblem[] {
  const raw = env[variable] ?? '';
  const origins = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return checkCorsOrigins(variable, origins);
}
