import { parseArgs } from 'node:util';
import { NonLoopbackTargetError, parseLoopbackTarget } from '@authlab/bench';
import { ARGUMENT_DEFAULTS, UsageError } from './arguments.js';

/** Options of `authlab bench`. */
export interface BenchArguments {
  readonly url: string;
  readonly replicaUrls: readonly string[] | undefined;
  readonly authUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly ipHashUrl: string | undefined;
  readonly durationSeconds: number | undefined;
  readonly rounds: number | undefined;
  readonly connections: number | undefined;
  readonly quick: boolean;
  readonly mainOnly: boolean;
  readonly json: boolean;
  readonly htmlPath: string | undefined;
}

const BENCH_LIMITS = Object.freeze({
  'duration-seconds': { min: 1, max: 600 },
  rounds: { min: 1, max: 50 },
  connections: { min: 1, max: 1_000 },
});

const BENCH_OPTIONS = {
  url: { type: 'string' },
  'replica-url': { type: 'string', multiple: true },
  'auth-url': { type: 'string' },
  'redis-url': { type: 'string' },
  'ip-hash-url': { type: 'string' },
  'duration-seconds': { type: 'string' },
  rounds: { type: 'string' },
  connections: { type: 'string' },
  quick: { type: 'boolean' },
  'main-only': { type: 'boolean' },
  json: { type: 'boolean' },
  html: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readBenchInteger(option: keyof typeof BENCH_LIMITS, text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const { min, max } = BENCH_LIMITS[option];
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${option} must be an integer from ${min} to ${max}, got "${text}"`, 'bench');
  }
  return value;
}

/** Accepts an origin on a loopback address, for the URL options of the bench. */
function readOrigin(
  option: string,
  text: string | undefined,
  scheme: 'http:' | 'redis:',
): string | undefined {
  if (text === undefined) {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--${option} must be a URL, got "${text}"`, 'bench');
  }
  if (url.protocol !== scheme) {
    throw new UsageError(`--${option} must be a ${scheme}// URL, got "${text}"`, 'bench');
  }
  try {
    parseLoopbackTarget(`http://${url.host}`);
  } catch (error) {
    if (error instanceof NonLoopbackTargetError) {
      throw new UsageError(
        `--${option} must be on a loopback address (127.x.x.x, localhost or [::1]), got "${text}"`,
        'bench',
      );
    }
    throw error;
  }
  return scheme === 'http:' ? url.origin : `redis://${url.host}`;
}

/** Parses the options after `authlab bench`; returns undefined when help was requested. */
export function parseBenchArguments(args: readonly string[]): BenchArguments | undefined {
  let values: ReturnType<typeof parseArgs<{ options: typeof BENCH_OPTIONS }>>['values'];
  try {
    values = parseArgs({
      args: [...args],
      options: BENCH_OPTIONS,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message, 'bench');
  }
  if (values.help) {
    return undefined;
  }

  const replicaUrls = values['replica-url']?.map((text) => readOrigin('replica-url', text, 'http:')!);
  return {
    url: readOrigin('url', values.url, 'http:') ?? ARGUMENT_DEFAULTS.url,
    replicaUrls,
    authUrl: readOrigin('auth-url', values['auth-url'], 'http:'),
    redisUrl: readOrigin('redis-url', values['redis-url'], 'redis:'),
    ipHashUrl: readOrigin('ip-hash-url', values['ip-hash-url'], 'http:'),
    durationSeconds: readBenchInteger('duration-seconds', values['duration-seconds']),
    rounds: readBenchInteger('rounds', values.rounds),
    connections: readBenchInteger('connections', values.connections),
    quick: values.quick ?? false,
    mainOnly: values['main-only'] ?? false,
    json: values.json ?? false,
    htmlPath: values.html,
  };
}
