import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClusterDriver } from './cluster-handle.js';

/** A drill the dashboard can start: what it does to the cluster, and how it ends. */
export interface PageDrill {
  readonly name: PageDrillName;
  /** Whether the drill acts on one replica, named in the request body. */
  readonly actsOnReplica: boolean;
  /** Whether the fault stays until a recover request. A drill without recovery is done when it returns. */
  readonly recoverable: boolean;
}

export type PageDrillName =
  | 'restart-replica'
  | 'stop-replica'
  | 'redis-outage'
  | 'auth-outage'
  | 'secret-mismatch';

/** Inputs of a drill step: the driver, the replica named in the request, and a wait for readiness. */
interface StepContext {
  readonly driver: ClusterDriver;
  readonly replica: string;
  readonly waitForReplicas: () => Promise<void>;
}

interface DrillSteps extends PageDrill {
  inject(context: StepContext): Promise<void>;
  recover(context: StepContext): Promise<void>;
}

// The same faults as `authlab drill`, as separate inject and recover steps, so that a person can send bursts
// in between. Every recover step is idempotent: starting a part that runs already does nothing, so
// recovering after a failed inject is safe. rotate-keys stays with the CLI, because its steps must wait
// for the replicas' JWKS cache to expire.
const DRILL_STEPS: readonly DrillSteps[] = Object.freeze([
  {
    name: 'restart-replica',
    actsOnReplica: true,
    recoverable: false,
    inject: ({ driver, replica }) => driver.restartReplica(replica),
    recover: async () => undefined,
  },
  {
    name: 'stop-replica',
    actsOnReplica: true,
    recoverable: true,
    inject: ({ driver, replica }) => driver.stopReplica(replica),
    recover: ({ driver, replica }) => driver.startReplica(replica),
  },
  {
    name: 'redis-outage',
    actsOnReplica: false,
    recoverable: true,
    inject: ({ driver }) => driver.stopRedis(),
    // The replicas reconnect to Redis on their own, with a backoff, and the step ends once they all have.
    recover: async ({ driver, waitForReplicas }) => {
      await driver.startRedis();
      await waitForReplicas();
    },
  },
  {
    name: 'auth-outage',
    actsOnReplica: false,
    recoverable: true,
    inject: ({ driver }) => driver.stopAuth(),
    recover: ({ driver }) => driver.startAuth(),
  },
  {
    name: 'secret-mismatch',
    actsOnReplica: true,
    recoverable: true,
    inject: ({ driver, replica }) => restartWithSecrets(driver, replica, 'mismatched'),
    recover: ({ driver, replica }) => restartWithSecrets(driver, replica, 'shared'),
  },
]);

/** Body of `GET /drills` and of every successful `POST`. */
export interface DrillApiState {
  readonly drills: readonly PageDrill[];
  readonly replicas: readonly string[];
  /** The drill whose fault is in place, waiting for its recover request. */
  readonly active: {
    readonly name: PageDrillName;
    readonly replica: string | null;
    readonly since: string;
  } | null;
  /** The step that runs now; another request gets 409 until it ends. */
  readonly running: { readonly name: PageDrillName; readonly step: 'inject' | 'recover' } | null;
}

export interface DashboardDrillApiOptions {
  readonly driver: ClusterDriver;
  readonly replicaIds: readonly string[];
  /**
   * Origins of the dashboard, such as `http://127.0.0.1:8088`. A `POST` must carry one of them in its
   * `Origin` header, and every request must name one of their hosts in `Host`.
   */
  readonly dashboardOrigins: readonly string[];
  /** Resolves once every replica passes its readiness check, which includes its Redis connection. */
  readonly waitForReplicas: () => Promise<void>;
  /** Address to listen on. Default 127.0.0.1 with a free port. */
  readonly host?: string;
  /** Receives one line per drill step and per request rejected for its origin. */
  readonly onLine?: (line: string) => void;
}

export interface DashboardDrillApi {
  /** `host:port` that nginx proxies `/drills` of the dashboard's listener to. */
  readonly address: string;
  stop(): Promise<void>;
}

/** Error codes of the drill API and the status each is sent with; docs/drills.md explains them. */
export const DRILL_API_ERRORS = Object.freeze({
  DRILL_HOST_REJECTED: 403,
  DRILL_ORIGIN_REJECTED: 403,
  DRILL_NOT_FOUND: 404,
  DRILL_METHOD_NOT_ALLOWED: 405,
  DRILL_CONTENT_TYPE_UNSUPPORTED: 415,
  DRILL_BODY_INVALID: 400,
  DRILL_BODY_TOO_LARGE: 413,
  DRILL_REPLICA_INVALID: 400,
  DRILL_STEP_RUNNING: 409,
  DRILL_ALREADY_ACTIVE: 409,
  DRILL_NOT_ACTIVE: 409,
  DRILL_STEP_FAILED: 503,
} as const);
export type DrillApiErrorCode = keyof typeof DRILL_API_ERRORS;

const MAX_BODY_BYTES = 1_024;
const RETRY_AFTER_SECONDS = 5;
const DRILL_PATH = /^\/drills(?:\/([a-z-]+)(\/recover)?)?\/?$/;

/**
 * Starts the HTTP API through which the dashboard starts and ends drills. nginx serves it on the dashboard's
 * own origin under `/drills`, so the page calls it same-origin. A cross-site page must not be able to
 * stop parts of the cluster, so a `POST` needs `Content-Type: application/json` (which forces a CORS
 * preflight that the API never allows), the dashboard's `Origin`, and no `Sec-Fetch-Site` other than
 * `same-origin`. The `Host` check keeps out pages that rebind their DNS name to loopback.
 */
export async function startDashboardDrillApi(options: DashboardDrillApiOptions): Promise<DashboardDrillApi> {
  const origins = new Set(options.dashboardOrigins);
  const hosts = new Set(options.dashboardOrigins.map((origin) => new URL(origin).host));
  const log = options.onLine ?? (() => undefined);
  let active: DrillApiState['active'] = null;
  let running: DrillApiState['running'] = null;

  function readState(): DrillApiState {
    return {
      drills: DRILL_STEPS.map(({ name, actsOnReplica, recoverable }) => ({
        name,
        actsOnReplica,
        recoverable,
      })),
      replicas: options.replicaIds,
      active,
      running,
    };
  }

  async function serve(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = DRILL_PATH.exec(new URL(incoming.url ?? '/', 'http://drills.invalid').pathname);
    if (!hosts.has(incoming.headers.host ?? '')) {
      reject(
        response,
        'DRILL_HOST_REJECTED',
        `The Host header must name the dashboard (${[...hosts].join(', ')}).`,
      );
      return;
    }
    if (match === null) {
      reject(
        response,
        'DRILL_NOT_FOUND',
        'Use GET /drills, POST /drills/<name> or POST /drills/<name>/recover.',
      );
      return;
    }

    const [, name, recoverSuffix] = match;
    if (name === undefined) {
      if (incoming.method !== 'GET' && incoming.method !== 'HEAD') {
        reject(response, 'DRILL_METHOD_NOT_ALLOWED', 'GET /drills returns the drills and their state.', {
          allow: 'GET, HEAD',
        });
        return;
      }
      sendJson(response, 200, readState());
      return;
    }
    if (incoming.method !== 'POST') {
      reject(response, 'DRILL_METHOD_NOT_ALLOWED', `Use POST /drills/${name}${recoverSuffix ?? ''}.`, {
        allow: 'POST',
      });
      return;
    }
    const refusal = checkPostOrigin(incoming, origins);
    if (refusal !== null) {
      log(`drill request rejected: ${refusal.message}`);
      reject(response, refusal.code, refusal.message);
      return;
    }

    const drill = DRILL_STEPS.find((candidate) => candidate.name === name);
    if (drill === undefined) {
      reject(
        response,
        'DRILL_NOT_FOUND',
        `Unknown drill ${JSON.stringify(name)}: use one of ${DRILL_STEPS.map((steps) => steps.name).join(', ')}.${name === 'rotate-keys' ? ' rotate-keys runs from the CLI only: authlab drill rotate-keys.' : ''}`,
      );
      return;
    }

    let body: { replica?: unknown };
    try {
      body = await readJsonObject(incoming);
    } catch (error) {
      reject(
        response,
        error instanceof BodyError ? error.code : 'DRILL_BODY_INVALID',
        (error as Error).message,
      );
      return;
    }

    if (running !== null) {
      reject(
        response,
        'DRILL_STEP_RUNNING',
        `The ${running.step} step of ${running.name} is still running; send the request again when it ends.`,
        {
          'retry-after': String(RETRY_AFTER_SECONDS),
        },
      );
      return;
    }
    if (recoverSuffix === undefined) {
      await inject(drill, body, response);
    } else {
      await recover(drill, response);
    }
  }

  async function inject(
    drill: DrillSteps,
    body: { replica?: unknown },
    response: ServerResponse,
  ): Promise<void> {
    if (active !== null) {
      reject(
        response,
        'DRILL_ALREADY_ACTIVE',
        `${active.name} is still active: recover it first with POST /drills/${active.name}/recover.`,
      );
      return;
    }
    let replica: string | null = null;
    if (drill.actsOnReplica) {
      if (typeof body.replica !== 'string' || !options.replicaIds.includes(body.replica)) {
        reject(
          response,
          'DRILL_REPLICA_INVALID',
          `${drill.name} needs a replica in the body, one of ${options.replicaIds.join(', ')}, like {"replica":"${options.replicaIds[0]}"}; got ${JSON.stringify(body.replica ?? null)}.`,
        );
        return;
      }
      replica = body.replica;
    }

    const failure = await runStep(drill, 'inject', replica);
    // The recover step is idempotent, so a drill whose inject failed half-way is offered for recovery too.
    if (drill.recoverable) {
      active = { name: drill.name, replica, since: new Date().toISOString() };
    }
    respondToStep(response, drill, 'inject', failure);
  }

  async function recover(drill: DrillSteps, response: ServerResponse): Promise<void> {
    if (active?.name !== drill.name) {
      const detail = active === null ? 'no drill is active' : `the active drill is ${active.name}`;
      reject(response, 'DRILL_NOT_ACTIVE', `Cannot recover ${drill.name}: ${detail}.`);
      return;
    }
    const failure = await runStep(drill, 'recover', active.replica);
    if (failure === null) {
      active = null;
    }
    respondToStep(response, drill, 'recover', failure);
  }

  async function runStep(
    drill: DrillSteps,
    step: 'inject' | 'recover',
    replica: string | null,
  ): Promise<Error | null> {
    const target = replica === null ? '' : ` on ${replica}`;
    running = { name: drill.name, step };
    log(`drill ${drill.name}${target}: ${step} started from the dashboard`);
    try {
      // A drill that acts on no replica never reads `replica`.
      await drill[step]({
        driver: options.driver,
        replica: replica ?? '',
        waitForReplicas: options.waitForReplicas,
      });
      log(`drill ${drill.name}${target}: ${step} done`);
      return null;
    } catch (error) {
      log(`drill ${drill.name}${target}: ${step} failed: ${(error as Error).message}`);
      return error as Error;
    } finally {
      running = null;
    }
  }

  function respondToStep(
    response: ServerResponse,
    drill: DrillSteps,
    step: 'inject' | 'recover',
    failure: Error | null,
  ): void {
    if (failure === null) {
      sendJson(response, 200, { ...readState(), done: { name: drill.name, step } });
      return;
    }
    reject(response, 'DRILL_STEP_FAILED', `The ${step} step of ${drill.name} failed: ${failure.message}`, {
      'retry-after': String(RETRY_AFTER_SECONDS),
    });
  }

  const server = createServer(function handleDrillRequest(incoming, response) {
    serve(incoming, response).catch((error: unknown) => {
      log(`drill request failed: ${(error as Error).message}`);
      if (!response.headersSent) {
        reject(response, 'DRILL_STEP_FAILED', 'The drill API failed to handle the request.', {
          'retry-after': String(RETRY_AFTER_SECONDS),
        });
      }
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    address: `${host}:${port}`,
    stop: () => closeServer(server),
  };
}

async function restartWithSecrets(
  driver: ClusterDriver,
  replica: string,
  secrets: 'shared' | 'mismatched',
): Promise<void> {
  if (driver.restartReplicaWithSecrets === undefined) {
    throw new Error('this cluster cannot give one replica secrets of its own');
  }
  await driver.restartReplicaWithSecrets(replica, secrets);
}

interface Refusal {
  readonly code: DrillApiErrorCode;
  readonly message: string;
}

/** Checks that a POST comes from the dashboard's own page, and returns why not when it does not. */
function checkPostOrigin(incoming: IncomingMessage, origins: ReadonlySet<string>): Refusal | null {
  const origin = incoming.headers.origin;
  if (origin === undefined || !origins.has(origin)) {
    return {
      code: 'DRILL_ORIGIN_REJECTED',
      message: `Drills start only from the dashboard's page (Origin ${[...origins].join(' or ')}); got Origin ${origin ?? '(none)'}.`,
    };
  }
  const fetchSite = incoming.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin') {
    return {
      code: 'DRILL_ORIGIN_REJECTED',
      message: `Drills start only from the dashboard's page; got Sec-Fetch-Site ${fetchSite}.`,
    };
  }
  const contentType = (incoming.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    return {
      code: 'DRILL_CONTENT_TYPE_UNSUPPORTED',
      message: `Send the body as application/json; got ${incoming.headers['content-type'] ?? 'no Content-Type'}.`,
    };
  }
  return null;
}

class BodyError extends Error {
  constructor(
    message: string,
    readonly code: 'DRILL_BODY_INVALID' | 'DRILL_BODY_TOO_LARGE',
  ) {
    super(message);
  }
}

/** Reads a JSON object of at most MAX_BODY_BYTES; an empty body counts as `{}`. */
function readJsonObject(incoming: IncomingMessage): Promise<{ replica?: unknown }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyError(`The body exceeds ${MAX_BODY_BYTES} bytes.`, 'DRILL_BODY_TOO_LARGE'));
        incoming.resume();
        return;
      }
      chunks.push(chunk);
    });
    incoming.on('error', reject);
    incoming.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') {
        resolve({});
        return;
      }
      try {
        const value: unknown = JSON.parse(text);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          reject(new BodyError('Send one JSON object, like {"replica":"api-2"}.', 'DRILL_BODY_INVALID'));
          return;
        }
        resolve(value as { replica?: unknown });
      } catch {
        reject(
          new BodyError(
            'The body is not valid JSON: send one JSON object, like {"replica":"api-2"}.',
            'DRILL_BODY_INVALID',
          ),
        );
      }
    });
  });
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  503: 'Service Unavailable',
};

function reject(
  response: ServerResponse,
  code: DrillApiErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  const status = DRILL_API_ERRORS[code];
  sendJson(
    response,
    status,
    { statusCode: status, code, error: STATUS_TEXT[status] ?? 'Error', message },
    headers,
  );
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
