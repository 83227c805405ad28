import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterDriver, ClusterHandle, ClusterMode, ClusterUrls } from './cluster-handle.js';
import type { KeyRotationStep, SigningKeyState } from './signing-keys.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The state file's content: the cluster that `authlab up` supervises and its control channel. */
export interface ClusterState {
  readonly formatVersion: 1;
  readonly pid: number;
  readonly mode: ClusterMode;
  readonly startedAt: string;
  /** Origin of the control channel, on 127.0.0.1. */
  readonly controlUrl: string;
  /** Bearer token of the control channel; the file is readable by its owner only. */
  readonly controlToken: string;
  readonly urls: ClusterUrls;
  readonly replicaIds: readonly string[];
  readonly redisPersistent?: boolean;
  /** Algorithm that signs access tokens. State files written before EdDSA mode lack it, which means HS256. */
  readonly jwtAlgorithm?: 'HS256' | 'EdDSA';
  /** API_JWKS_MAX_AGE_SECONDS of the replicas, in EdDSA mode only. */
  readonly jwksMaxAgeSeconds?: number;
}

/** A cluster that another process supervises, driven over that process's control channel. */
export type ConnectedCluster = Pick<
  ClusterHandle,
  'mode' | 'urls' | 'replicaIds' | 'driver' | 'redisPersistent'
> & {
  readonly jwtAlgorithm: 'HS256' | 'EdDSA';
  readonly jwksMaxAgeSeconds?: number;
};

/** The running control channel; `stop` closes it and removes the state file. */
export interface SupervisorControl {
  readonly url: string;
  readonly stateFile: string;
  stop(): Promise<void>;
}

/** Error raised when no supervised cluster can be reached, with the reason and the fix. */
export class ClusterConnectionError extends Error {
  readonly code = 'CLUSTER_NOT_CONNECTED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterConnectionError';
  }
}

// Driver operations the channel accepts, and whether each takes a replica id.
const OPERATIONS = Object.freeze({
  stopReplica: true,
  startReplica: true,
  restartReplica: true,
  restartReplicaWithSecrets: true,
  stopRedis: false,
  startRedis: false,
  stopAuth: false,
  startAuth: false,
  rotateSigningKey: false,
} as const);
type Operation = keyof typeof OPERATIONS;

const KEY_ROTATION_STEPS: readonly KeyRotationStep[] = ['publish-next', 'activate-next', 'withdraw-previous'];
const MAX_BODY_BYTES = 4_096;
// A replica restart waits for readiness (up to the cluster's ready timeout), so a call may take a while.
const CALL_TIMEOUT_MS = 120_000;

/**
 * Returns the state file path: `$XDG_RUNTIME_DIR/authlab/cluster.json` where that folder is set (a
 * per-user folder that the system empties at logout), else `.authlab/cluster.json` in the repository.
 */
export function defaultStateFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AUTHLAB_STATE_FILE) {
    return env.AUTHLAB_STATE_FILE;
  }
  const runtimeDir = env.XDG_RUNTIME_DIR;
  return runtimeDir
    ? join(runtimeDir, 'authlab', 'cluster.json')
    : join(REPOSITORY_ROOT, '.authlab', 'cluster.json');
}

/**
 * Opens the control channel of a supervised cluster on 127.0.0.1 and announces it in the state file. Each
 * call is `POST /driver/<operation>` with a JSON body such as `{ "id": "api-2", "secrets": "mismatched" }`
 * or `{ "step": "publish-next" }`, authorized by the token in the state file. Operations run one at a time.
 * A 200 response is `{ status, operation, result }`, where `result` is what the driver returned, if anything.
 * `jwksMaxAgeSeconds` goes into the state file for the rotate-keys drill of a cluster in EdDSA mode.
 */
export async function startSupervisorControl(
  cluster: ClusterHandle,
  options: { readonly stateFile?: string; readonly jwksMaxAgeSeconds?: number } = {},
): Promise<SupervisorControl> {
  const stateFile = options.stateFile ?? defaultStateFilePath();
  checkStateFileIsFree(stateFile);
  const token = randomBytes(32).toString('base64url');
  let queue: Promise<unknown> = Promise.resolve();

  const server = createServer(function handleControlRequest(incoming, response) {
    void serveControlRequest(incoming, response);
  });

  async function serveControlRequest(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!isAuthorized(incoming.headers.authorization, token)) {
      sendJson(response, 401, {
        code: 'CONTROL_UNAUTHORIZED',
        message: 'Send the token from the state file.',
      });
      return;
    }
    const operation = /^\/driver\/([A-Za-z]+)$/.exec(incoming.url ?? '')?.[1];
    if (incoming.method !== 'POST' || operation === undefined || !Object.hasOwn(OPERATIONS, operation)) {
      sendJson(response, 404, {
        code: 'CONTROL_OPERATION_UNKNOWN',
        message: `Use POST /driver/<operation>, one of ${Object.keys(OPERATIONS).join(', ')}.`,
      });
      return;
    }

    let body: ControlBody;
    try {
      body = JSON.parse((await readBody(incoming)) || '{}') as typeof body;
    } catch {
      sendJson(response, 400, { code: 'CONTROL_BODY_INVALID', message: 'Send one JSON object.' });
      return;
    }

    const run = () => callDriver(cluster.driver, operation as Operation, body);
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    try {
      const value = await result;
      sendJson(response, 200, {
        status: 'done',
        operation,
        ...(value === undefined ? {} : { result: value }),
      });
    } catch (error) {
      const status = error instanceof TypeError ? 400 : 500;
      sendJson(response, status, { code: 'CONTROL_OPERATION_FAILED', message: (error as Error).message });
    }
  }

  await listen(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state: ClusterState = {
    formatVersion: 1,
    pid: process.pid,
    mode: cluster.mode,
    startedAt: new Date().toISOString(),
    controlUrl: url,
    controlToken: token,
    urls: cluster.urls,
    replicaIds: cluster.replicaIds,
    ...(cluster.redisPersistent === undefined ? {} : { redisPersistent: cluster.redisPersistent }),
    // Only a cluster in EdDSA mode has a rotateSigningKey driver.
    jwtAlgorithm: cluster.driver.rotateSigningKey === undefined ? 'HS256' : 'EdDSA',
    ...(options.jwksMaxAgeSeconds === undefined ? {} : { jwksMaxAgeSeconds: options.jwksMaxAgeSeconds }),
  };
  mkdirSync(dirname(stateFile), { recursive: true, mode: 0o700 });
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  // Another `authlab up` may have taken the file over since, for example after this one lost it, so
  // only a file that still names this process is removed.
  const removeStateFile = () => {
    if (readStatePid(stateFile) === process.pid) {
      rmSync(stateFile, { force: true });
    }
  };
  process.on('exit', removeStateFile);

  return {
    url,
    stateFile,
    stop: async () => {
      process.off('exit', removeStateFile);
      removeStateFile();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Reads the state file of a cluster that `authlab up` supervises and returns a handle whose driver sends
 * each operation over the control channel. Raises ClusterConnectionError when the file is missing, or its
 * process is gone.
 */
export function connectToCluster(options: { readonly stateFile?: string } = {}): ConnectedCluster {
  const stateFile = options.stateFile ?? defaultStateFilePath();
  let state: ClusterState;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState;
  } catch (error) {
    throw new ClusterConnectionError(
      `no running cluster announced in ${stateFile}: start one with authlab up (drills need its control channel)`,
      { cause: error },
    );
  }
  if (state.formatVersion !== 1 || typeof state.controlUrl !== 'string' || !isProcessAlive(state.pid)) {
    throw new ClusterConnectionError(
      `${stateFile} names a cluster that is no longer running (process ${state.pid}): start one with authlab up`,
    );
  }

  const call = async (operation: Operation, body: Record<string, string> = {}): Promise<void> => {
    await postOperation(state.controlUrl, state.controlToken, operation, body);
  };
  const jwtAlgorithm = state.jwtAlgorithm ?? 'HS256';
  const driver: ClusterDriver = {
    stopReplica: (id) => call('stopReplica', { id }),
    startReplica: (id) => call('startReplica', { id }),
    restartReplica: (id) => call('restartReplica', { id }),
    restartReplicaWithSecrets: (id, secrets) => call('restartReplicaWithSecrets', { id, secrets }),
    stopRedis: () => call('stopRedis'),
    startRedis: () => call('startRedis'),
    stopAuth: () => call('stopAuth'),
    startAuth: () => call('startAuth'),
    ...(jwtAlgorithm === 'EdDSA'
      ? {
          rotateSigningKey: async (step: KeyRotationStep) =>
            readSigningKeyState(
              await postOperation(state.controlUrl, state.controlToken, 'rotateSigningKey', { step }),
            ),
        }
      : {}),
  };
  return Object.freeze({
    mode: state.mode,
    urls: state.urls,
    replicaIds: state.replicaIds,
    driver: Object.freeze(driver),
    ...(state.redisPersistent === undefined ? {} : { redisPersistent: state.redisPersistent }),
    jwtAlgorithm,
    ...(state.jwksMaxAgeSeconds === undefined ? {} : { jwksMaxAgeSeconds: state.jwksMaxAgeSeconds }),
  });
}

/**
 * Raises an error when the state file names another process that still runs, so a second `authlab up`
 * never takes the drills of the first cluster away. A file of a process that is gone is replaced.
 */
function checkStateFileIsFree(stateFile: string): void {
  const pid = readStatePid(stateFile);
  if (pid !== undefined && pid !== process.pid && isProcessAlive(pid)) {
    throw new Error(
      `${stateFile} belongs to another authlab up (process ${pid}). To run a second cluster beside it, give this one a state file of its own, for example AUTHLAB_STATE_FILE=/tmp/authlab-second.json, and pass the same variable to its authlab drill and compare --drill`,
    );
  }
}

/** Returns the process id that a state file names, or undefined when it is missing or unreadable. */
function readStatePid(stateFile: string): number | undefined {
  try {
    const pid = (JSON.parse(readFileSync(stateFile, 'utf8')) as Partial<ClusterState>).pid;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

interface ControlBody {
  readonly id?: unknown;
  readonly secrets?: unknown;
  readonly step?: unknown;
}

/** Checks the `result` of a rotateSigningKey call, so a malformed response fails here and not in the drill. */
function readSigningKeyState(result: unknown): SigningKeyState {
  const state = result as Partial<SigningKeyState> | undefined;
  if (
    typeof state?.activeKid !== 'string' ||
    !Array.isArray(state.publishedKids) ||
    !state.publishedKids.every((kid) => typeof kid === 'string')
  ) {
    throw new Error(
      `the cluster's rotateSigningKey returned an invalid key state: ${JSON.stringify(result)}`,
    );
  }
  return { activeKid: state.activeKid, publishedKids: [...state.publishedKids] };
}

async function callDriver(driver: ClusterDriver, operation: Operation, body: ControlBody): Promise<unknown> {
  const id = body.id;
  if (OPERATIONS[operation] && typeof id !== 'string') {
    throw new TypeError(`${operation} needs a replica id in the body, like {"id":"api-2"}`);
  }
  switch (operation) {
    case 'stopReplica':
      return driver.stopReplica(id as string);
    case 'startReplica':
      return driver.startReplica(id as string);
    case 'restartReplica':
      return driver.restartReplica(id as string);
    case 'restartReplicaWithSecrets': {
      if (driver.restartReplicaWithSecrets === undefined) {
        throw new TypeError('this cluster cannot give one replica secrets of its own');
      }
      if (body.secrets !== 'shared' && body.secrets !== 'mismatched') {
        throw new TypeError(`secrets must be "shared" or "mismatched", got ${JSON.stringify(body.secrets)}`);
      }
      return driver.restartReplicaWithSecrets(id as string, body.secrets);
    }
    case 'stopRedis':
      return driver.stopRedis();
    case 'startRedis':
      return driver.startRedis();
    case 'stopAuth':
      return driver.stopAuth();
    case 'startAuth':
      return driver.startAuth();
    case 'rotateSigningKey': {
      if (driver.rotateSigningKey === undefined) {
        throw new TypeError('this cluster does not run in EdDSA mode, so it has no signing keys to rotate');
      }
      const step = body.step;
      if (typeof step !== 'string' || !(KEY_ROTATION_STEPS as readonly string[]).includes(step)) {
        throw new TypeError(
          `step must be one of ${KEY_ROTATION_STEPS.join(', ')}, got ${JSON.stringify(step)}`,
        );
      }
      return driver.rotateSigningKey(step as KeyRotationStep);
    }
  }
}

function postOperation(
  controlUrl: string,
  token: string,
  operation: Operation,
  body: Record<string, string>,
): Promise<unknown> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${controlUrl}/driver/${operation}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          if (response.statusCode === 200) {
            try {
              resolve((JSON.parse(text) as { result?: unknown }).result);
            } catch {
              reject(new Error(`the cluster's ${operation} returned a body that is not JSON`));
            }
            return;
          }
          let message = text;
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? text;
          } catch {
            // Not JSON: keep the raw text.
          }
          reject(new Error(`the cluster's ${operation} failed with ${response.statusCode}: ${message}`));
        });
      },
    );
    outgoing.setTimeout(CALL_TIMEOUT_MS, () =>
      outgoing.destroy(new Error(`the cluster's ${operation} did not finish within ${CALL_TIMEOUT_MS} ms`)),
    );
    outgoing.on('error', (error) =>
      reject(
        new ClusterConnectionError(`cannot reach the cluster's control channel: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    outgoing.end(payload);
  });
}

function isAuthorized(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const received = Buffer.from(header ?? '');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    incoming.setEncoding('utf8');
    incoming.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_BODY_BYTES) {
        incoming.destroy();
        reject(new Error('body too large'));
      }
    });
    incoming.on('end', () => resolve(text));
    incoming.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
