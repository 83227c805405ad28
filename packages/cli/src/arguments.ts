import { parseArgs } from 'node:util';
import { type BenchArguments, parseBenchArguments } from './bench-arguments.js';
import { type MatrixArguments, MatrixUsageError, parseMatrixArguments } from './matrix-arguments.js';

export type CommandName = 'up' | 'compare' | 'drill' | 'demo' | 'bench';

/** Options of the commands that start a local cluster. */
export interface ClusterArguments {
  readonly replicas: number;
  /** Port of the round-robin listener. */
  readonly port: number;
  readonly ipHashPort: number;
  readonly cookieHashPort: number;
  readonly stickyRoutePort: number;
  readonly host: string;
  readonly redisPersistent: boolean;
  /** First two octets of the services' loopback addresses, such as `127.0`. */
  readonly addressBlock: string;
  /** Algorithm that signs access tokens: HS256 with one shared secret, or EdDSA with keys published as a JWKS. */
  readonly jwtAlgorithm: JwtAlgorithm;
  /** API_JWKS_MAX_AGE_SECONDS of the replicas; used in EdDSA mode only. */
  readonly jwksMaxAgeSeconds: number;
  /** API_JWKS_COOLDOWN_SECONDS of the replicas, at most the max age; used in EdDSA mode only. */
  readonly jwksCooldownSeconds: number;
}

export type JwtAlgorithm = 'HS256' | 'EdDSA';
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = Object.freeze(['HS256', 'EdDSA']);

/** Options of `authlab drill rotate-keys`, which takes none but --help. */
export type RotateKeysArguments = Record<string, never>;

/** Options of a comparison run. */
export interface CompareArguments {
  readonly clients: number;
  readonly requests: number;
}

export type ParsedCommand =
  | { readonly name: 'help'; readonly topic: CommandName | undefined }
  | { readonly name: 'up'; readonly options: ClusterArguments }
  | { readonly name: 'compare' | 'drill'; readonly options: MatrixArguments }
  | { readonly name: 'rotate-keys'; readonly options: RotateKeysArguments }
  | { readonly name: 'bench'; readonly options: BenchArguments; readonly argv: readonly string[] }
  | {
      readonly name: 'demo';
      readonly options: ClusterArguments &
        CompareArguments & { readonly once: boolean; readonly logs: boolean };
    };

/** Error raised for a command line that cannot run; the message names the option and the rule. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly topic: CommandName | undefined,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const ARGUMENT_DEFAULTS = Object.freeze({
  replicas: 3,
  port: 8080,
  ipHashPort: 8081,
  cookieHashPort: 8082,
  stickyRoutePort: 8083,
  host: '127.0.0.1',
  addressBlock: '127.0',
  jwtAlgorithm: 'HS256' as JwtAlgorithm,
  // Shorter than the replicas' own default of 600 s, because the rotate-keys drill waits about twice this long.
  jwksMaxAgeSeconds: 30,
  // A replica whose JWKS fetch failed while the auth service restarted rejects a new kid until its cooldown
  // has passed. The replicas' own default of 30 s made rotate-keys report a rejected new-kid token.
  jwksCooldownSeconds: 1,
  url: 'http://127.0.0.1:8080',
  clients: 6,
  requests: 30,
});

const LIMITS = Object.freeze({
  replicas: { min: 1, max: 9 },
  port: { min: 1, max: 65_535 },
  'ip-hash-port': { min: 1, max: 65_535 },
  'cookie-hash-port': { min: 1, max: 65_535 },
  'sticky-route-port': { min: 1, max: 65_535 },
  clients: { min: 1, max: 100 },
  requests: { min: 1, max: 1_000 },
  'jwks-max-age-seconds': { min: 1, max: 3_600 },
  'jwks-cooldown-seconds': { min: 1, max: 3_600 },
});

const COMMANDS: readonly CommandName[] = ['up', 'compare', 'drill', 'demo', 'bench'];
const LOOPBACK_IPV4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

const CLUSTER_OPTIONS = {
  replicas: { type: 'string' },
  port: { type: 'string' },
  'ip-hash-port': { type: 'string' },
  'cookie-hash-port': { type: 'string' },
  'sticky-route-port': { type: 'string' },
  host: { type: 'string' },
  'address-block': { type: 'string' },
  'redis-persistent': { type: 'boolean' },
  'jwt-algorithm': { type: 'string' },
  'jwks-max-age-seconds': { type: 'string' },
  'jwks-cooldown-seconds': { type: 'string' },
} as const;
const COMPARE_OPTIONS = {
  clients: { type: 'string' },
  requests: { type: 'string' },
} as const;
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** Parses `argv` (without node and the script path) into one command with checked options. */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    return { name: 'help', topic: undefined };
  }
  if (first === 'help') {
    return { name: 'help', topic: rest[0] === undefined ? undefined : readCommandName(rest[0]) };
  }

  const name = readCommandName(first);
  if (name === 'up') {
    const values = parseOptions(name, rest, { ...CLUSTER_OPTIONS, ...HELP_OPTION });
    return values.help
      ? { name: 'help', topic: name }
      : { name, options: readClusterArguments(name, values) };
  }
  if (name === 'bench') {
    const options = parseBenchArguments(rest);
    return options === undefined ? { name: 'help', topic: name } : { name, options, argv: rest };
  }
  if (name === 'drill' && rest[0] === 'rotate-keys') {
    // rotate-keys is not a matrix drill: it needs a cluster in EdDSA mode and runs no strategy clients.
    const values = parseOptions(name, rest.slice(1), { ...HELP_OPTION });
    return values.help ? { name: 'help', topic: name } : { name: 'rotate-keys', options: {} };
  }
  if (name === 'compare' || name === 'drill') {
    try {
      const options = parseMatrixArguments(name, rest);
      return options === undefined ? { name: 'help', topic: name } : { name, options };
    } catch (error) {
      if (error instanceof MatrixUsageError) {
        throw new UsageError(error.message, name);
      }
      throw error;
    }
  }

  const values = parseOptions(name, rest, {
    ...CLUSTER_OPTIONS,
    ...COMPARE_OPTIONS,
    once: { type: 'boolean' },
    logs: { type: 'boolean' },
    ...HELP_OPTION,
  });
  if (values.help) {
    return { name: 'help', topic: name };
  }
  return {
    name,
    options: {
      ...readClusterArguments(name, values),
      ...readCompareArguments(name, values),
      once: values.once ?? false,
      logs: values.logs ?? false,
    },
  };
}

function readCommandName(text: string): CommandName {
  if ((COMMANDS as readonly string[]).includes(text)) {
    return text as CommandName;
  }
  throw new UsageError(`unknown command "${text}"; the commands are ${COMMANDS.join(', ')}`, undefined);
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function parseOptions<T extends OptionSpec>(command: CommandName, args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

function readClusterArguments(
  command: CommandName,
  values: {
    replicas?: string;
    port?: string;
    'ip-hash-port'?: string;
    'cookie-hash-port'?: string;
    'sticky-route-port'?: string;
    host?: string;
    'redis-persistent'?: boolean;
    'address-block'?: string;
    'jwt-algorithm'?: string;
    'jwks-max-age-seconds'?: string;
    'jwks-cooldown-seconds'?: string;
  },
): ClusterArguments {
  const host = values.host ?? ARGUMENT_DEFAULTS.host;
  if (!LOOPBACK_IPV4.test(host)) {
    throw new UsageError(
      `--host must be a loopback address 127.x.x.x, got "${host}": the lab listens on loopback only`,
      command,
    );
  }
  return {
    replicas: readInteger(command, 'replicas', values.replicas, ARGUMENT_DEFAULTS.replicas),
    port: readInteger(command, 'port', values.port, ARGUMENT_DEFAULTS.port),
    ipHashPort: readInteger(command, 'ip-hash-port', values['ip-hash-port'], ARGUMENT_DEFAULTS.ipHashPort),
    cookieHashPort: readInteger(
      command,
      'cookie-hash-port',
      values['cookie-hash-port'],
      ARGUMENT_DEFAULTS.cookieHashPort,
    ),
    stickyRoutePort: readInteger(
      command,
      'sticky-route-port',
      values['sticky-route-port'],
      ARGUMENT_DEFAULTS.stickyRoutePort,
    ),
    host,
    redisPersistent: values['redis-persistent'] ?? false,
    addressBlock: readAddressBlock(command, values['address-block']),
    ...readSigningArguments(command, values),
  };
}

/** Builds the signing options of startLocalCluster from the checked arguments. */
export function buildSigningOptions(options: ClusterArguments): {
  jwtAlgorithm: JwtAlgorithm;
  jwks?: { maxAgeSeconds: number; cooldownSeconds: number };
} {
  if (options.jwtAlgorithm !== 'EdDSA') {
    return { jwtAlgorithm: options.jwtAlgorithm };
  }
  return {
    jwtAlgorithm: options.jwtAlgorithm,
    jwks: {
      maxAgeSeconds: options.jwksMaxAgeSeconds,
      cooldownSeconds: options.jwksCooldownSeconds,
    },
  };
}

/**
 * Reads the signing options. The cooldown may not exceed the max age, because a replica refetches a
 * stale JWKS only once its cooldown has passed too.
 */
function readSigningArguments(
  command: CommandName,
  values: {
    'jwt-algorithm'?: string;
    'jwks-max-age-seconds'?: string;
    'jwks-cooldown-seconds'?: string;
  },
): Pick<ClusterArguments, 'jwtAlgorithm' | 'jwksMaxAgeSeconds' | 'jwksCooldownSeconds'> {
  const jwtAlgorithm = values['jwt-algorithm'] ?? ARGUMENT_DEFAULTS.jwtAlgorithm;
  if (!(JWT_ALGORITHMS as readonly string[]).includes(jwtAlgorithm)) {
    throw new UsageError(
      `--jwt-algorithm must be one of ${JWT_ALGORITHMS.join(', ')}, got "${jwtAlgorithm}"`,
      command,
    );
  }
  for (const option of ['jwks-max-age-seconds', 'jwks-cooldown-seconds'] as const) {
    if (values[option] !== undefined && jwtAlgorithm !== 'EdDSA') {
      throw new UsageError(
        `--${option} applies to --jwt-algorithm EdDSA only: HS256 replicas fetch no JWKS`,
        command,
      );
    }
  }

  const jwksMaxAgeSeconds = readInteger(
    command,
    'jwks-max-age-seconds',
    values['jwks-max-age-seconds'],
    ARGUMENT_DEFAULTS.jwksMaxAgeSeconds,
  );
  const jwksCooldownSeconds = readInteger(
    command,
    'jwks-cooldown-seconds',
    values['jwks-cooldown-seconds'],
    Math.min(ARGUMENT_DEFAULTS.jwksCooldownSeconds, jwksMaxAgeSeconds),
  );
  if (jwksCooldownSeconds > jwksMaxAgeSeconds) {
    throw new UsageError(
      `--jwks-cooldown-seconds must not exceed --jwks-max-age-seconds (${jwksMaxAgeSeconds}), got "${jwksCooldownSeconds}"`,
      command,
    );
  }
  return { jwtAlgorithm: jwtAlgorithm as JwtAlgorithm, jwksMaxAgeSeconds, jwksCooldownSeconds };
}

function readCompareArguments(
  command: CommandName,
  values: { clients?: string; requests?: string },
): CompareArguments {
  return {
    clients: readInteger(command, 'clients', values.clients, ARGUMENT_DEFAULTS.clients),
    requests: readInteger(command, 'requests', values.requests, ARGUMENT_DEFAULTS.requests),
  };
}

function readInteger(
  command: CommandName,
  option: keyof typeof LIMITS,
  text: string | undefined,
  fallback: number,
): number {
  if (text === undefined) {
    return fallback;
  }
  const { min, max } = LIMITS[option];
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${option} must be an integer from ${min} to ${max}, got "${text}"`, command);
  }
  return value;
}

/**
 * Reads `--address-block`, the first two octets of the services' addresses. 127.1 is left to the
 * simulated clients of compare, which bind 127.1.k.1.
 */
function readAddressBlock(command: CommandName, text: string | undefined): string {
  const block = text ?? ARGUMENT_DEFAULTS.addressBlock;
  const [first, second] = block.split('.');
  const valid = /^127\.\d{1,3}$/.test(block) && first === '127' && Number(second) <= 255;
  if (!valid || block === '127.1') {
    throw new UsageError(
      `--address-block must be the first two octets of a loopback address other than 127.1 (the compare clients' block), like 127.0, got "${block}"`,
      command,
    );
  }
  return block;
}
