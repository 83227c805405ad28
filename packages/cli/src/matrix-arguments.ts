import { parseArgs } from 'node:util';
import { BALANCER_MODES, type BalancerMode } from '@authlab/balancer';
import { DRILL_NAMES, type DrillName } from './drills.js';
import { ALL_STRATEGIES } from './matrix.js';
import type { Strategy } from './verdict.js';

/** Options of `authlab compare` and `authlab drill`. */
export interface MatrixArguments {
  /** Listener origins given on the command line, by balancer mode. */
  readonly urls: Readonly<Partial<Record<BalancerMode, string>>>;
  /** Balancer modes to run; all that have a listener when absent. */
  readonly modes: readonly BalancerMode[] | undefined;
  /** Strategies to run; the default set when absent, in which `basic` runs through round-robin only. */
  readonly strategies: readonly Strategy[] | undefined;
  readonly clients: number;
  readonly requests: number;
  readonly sameNat: boolean;
  readonly drills: readonly DrillName[];
  readonly drillsOnly: boolean;
  readonly replica: string | undefined;
  readonly cluster: 'local' | 'compose';
  readonly composeProject: string | undefined;
  readonly json: boolean;
  readonly html: string | undefined;
}

/** Error raised for an invalid option of compare or drill; the message names the option and the rule. */
export class MatrixUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatrixUsageError';
  }
}

export const MATRIX_DEFAULTS = Object.freeze({
  clients: 6,
  requests: 30,
  /** Requests per client in each phase of `authlab drill`, which runs three phases. */
  drillRequests: 10,
});

const URL_OPTIONS: Readonly<Record<BalancerMode, string>> = Object.freeze({
  'round-robin': 'url',
  'ip-hash': 'ip-hash-url',
  'cookie-hash': 'cookie-hash-url',
  'sticky-route': 'sticky-route-url',
});

const OPTIONS = {
  url: { type: 'string' },
  'ip-hash-url': { type: 'string' },
  'cookie-hash-url': { type: 'string' },
  'sticky-route-url': { type: 'string' },
  modes: { type: 'string' },
  strategies: { type: 'string' },
  clients: { type: 'string' },
  requests: { type: 'string' },
  'same-nat': { type: 'boolean' },
  drill: { type: 'string', multiple: true },
  replica: { type: 'string' },
  cluster: { type: 'string' },
  'compose-project': { type: 'string' },
  json: { type: 'boolean' },
  html: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const LOOPBACK_IPV4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * Parses the options of `compare` (`command` = compare) or of `drill <name>`; returns undefined for --help.
 * For drill the first argument is the drill's name, and the run leaves out the plain comparison.
 */
export function parseMatrixArguments(
  command: 'compare' | 'drill',
  argv: readonly string[],
): MatrixArguments | undefined {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    throw new MatrixUsageError((error as Error).message);
  }
  if (values.help) {
    return undefined;
  }

  let drills: DrillName[] = (values.drill ?? []).map((name) => readDrillName(name, '--drill'));
  if (command === 'drill') {
    if (positionals.length !== 1 || values.drill !== undefined) {
      throw new MatrixUsageError(`authlab drill takes one drill name, one of ${DRILL_NAMES.join(', ')}`);
    }
    drills = [readDrillName(positionals[0]!, 'the drill name')];
  } else if (positionals.length > 0) {
    throw new MatrixUsageError(`unexpected argument "${positionals[0]}"; use --drill NAME to add a drill`);
  }

  const urls: Partial<Record<BalancerMode, string>> = {};
  for (const mode of BALANCER_MODES) {
    const text = values[URL_OPTIONS[mode] as keyof typeof values];
    if (typeof text === 'string') {
      urls[mode] = readLoopbackUrl(`--${URL_OPTIONS[mode]}`, text);
    }
  }

  const cluster = values.cluster ?? 'local';
  if (cluster !== 'local' && cluster !== 'compose') {
    throw new MatrixUsageError(`--cluster must be local or compose, got "${cluster}"`);
  }
  if (values['compose-project'] !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(values['compose-project'])) {
    throw new MatrixUsageError(
      `--compose-project must be lowercase letters, digits, - and _, got "${values['compose-project']}"`,
    );
  }
  if (values.replica !== undefined && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(values.replica)) {
    throw new MatrixUsageError(`--replica must be a replica id like api-2, got "${values.replica}"`);
  }

  return {
    urls,
    modes: values.modes === undefined ? undefined : readList('--modes', values.modes, BALANCER_MODES),
    strategies:
      values.strategies === undefined
        ? undefined
        : readList('--strategies', values.strategies, ALL_STRATEGIES),
    clients: readInteger('--clients', values.clients, MATRIX_DEFAULTS.clients, 1, 100),
    requests: readInteger(
      '--requests',
      values.requests,
      command === 'drill' ? MATRIX_DEFAULTS.drillRequests : MATRIX_DEFAULTS.requests,
      1,
      1_000,
    ),
    sameNat: values['same-nat'] ?? false,
    drills,
    drillsOnly: command === 'drill',
    replica: values.replica,
    cluster,
    composeProject: values['compose-project'],
    json: values.json ?? false,
    html: values.html,
  };
}

function readDrillName(text: string, what: string): DrillName {
  if ((DRILL_NAMES as readonly string[]).includes(text)) {
    return text as DrillName;
  }
  throw new MatrixUsageError(`${what} must be one of ${DRILL_NAMES.join(', ')}, got "${text}"`);
}

function readList<T extends string>(option: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(',').map((item) => item.trim());
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new MatrixUsageError(
        `${option} takes a comma-separated list of ${allowed.join(', ')}; got "${item}"`,
      );
    }
  }
  return [...new Set(items)] as T[];
}

function readInteger(
  option: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) {
    return fallback;
  }
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new MatrixUsageError(`${option} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** Accepts an http origin on a loopback host, the only place a lab cluster runs. */
function readLoopbackUrl(option: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MatrixUsageError(`${option} must be a URL such as http://127.0.0.1:8080, got "${text}"`);
  }
  const isLoopback =
    url.hostname === 'localhost' || url.hostname === '[::1]' || LOOPBACK_IPV4.test(url.hostname);
  if (url.protocol !== 'http:' || !isLoopback) {
    throw new MatrixUsageError(
      `${option} must be an http URL on a loopback address (127.x.x.x, localhost or [::1]), got "${text}"`,
    );
  }
  if (url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== '')) {
    throw new MatrixUsageError(`${option} must be a listener's origin without a path, got "${text}"`);
  }
  return url.origin;
}
