import { performance } from 'node:perf_hooks';
import type { ClusterDriver, KeyRotationStep, ReplicaEndpoint, SigningKeyState } from '@authlab/cluster';
import { DEMO_CREDENTIALS } from '@authlab/users';
import { buildClientAgent, sendHttpRequest } from './http-client.js';

export interface KeyRotationDrillOptions {
  /** The `round-robin` listener, through which the drill signs in and sends its steady traffic. */
  readonly balancer: string;
  readonly replicas: readonly ReplicaEndpoint[];
  readonly driver: ClusterDriver;
  /** API_JWKS_MAX_AGE_SECONDS of the replicas: the wait after publishing, and the bound on withdrawal. */
  readonly jwksMaxAgeSeconds: number;
  /** Pause between two requests of the steady traffic. Default 20 ms. */
  readonly requestIntervalMs?: number;
  readonly requestTimeoutMs?: number;
}

/** Requests sent with the pre-rotation token while one step ran, and how many failed. */
export interface RotationStepResult {
  readonly step: KeyRotationStep;
  readonly keys: SigningKeyState;
  readonly requests: number;
  readonly failures: number;
}

export interface KeyRotationReport {
  readonly steps: readonly RotationStepResult[];
  /** The `kid` of a token issued after activation, and whether every replica accepted it. */
  readonly newKid: string | undefined;
  readonly newTokenAcceptedEverywhere: boolean;
  /** Milliseconds from the withdrawal until every replica rejected the old token, or undefined if some never did. */
  readonly oldTokenRejectedAfterMs: number | undefined;
  readonly replicasStillAcceptingOldToken: readonly string[];
}

const DEFAULTS = Object.freeze({ requestIntervalMs: 20, requestTimeoutMs: 5_000 });

/** Maximum wait for every replica to accept a fresh token before the rotation starts. */
const PRECONDITION_TIMEOUT_MS = 10_000;

/**
 * Runs the EdDSA key rotation drill on a cluster whose driver has `rotateSigningKey`:
 *
 * 1. Signs in and keeps sending `GET /jwt/me` with that token through the balancer during every step.
 * 2. `publish-next`: the next key appears in the JWKS without signing. The drill then waits one JWKS max
 *    age, so every replica has the key before any token carries it.
 * 3. `activate-next`: new tokens carry the new `kid`; the old token still verifies.
 * 4. `withdraw-previous`: the old key leaves the JWKS. Each replica rejects the old token once its cache
 *    has refreshed, which the drill measures on every replica directly.
 *
 * Steps 2 and 3 should lose no request. The HS256 counterpart is the secret-mismatch drill: one secret,
 * no overlap, so a replica with another secret rejects every token at once.
 */
export async function runKeyRotationDrill(options: KeyRotationDrillOptions): Promise<KeyRotationReport> {
  const rotate = options.driver.rotateSigningKey?.bind(options.driver);
  if (rotate === undefined) {
    throw new Error(
      'this cluster does not run in EdDSA mode, so rotate-keys cannot run: start it with jwtAlgorithm EdDSA',
    );
  }

  const agent = buildClientAgent();
  const timeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  const jwtMe = async (baseUrl: string, token: string) =>
    (
      await sendHttpRequest(agent, {
        method: 'GET',
        url: `${baseUrl}/jwt/me`,
        headers: { authorization: `Bearer ${token}` },
        timeoutMs,
      })
    ).status;

  try {
    const oldToken = await signIn(options.balancer, agent, timeoutMs);
    // Precondition: every replica verifies the token, so each has the current keys cached before the
    // auth service restarts. A replica that started before the auth service may need a second to fetch them.
    await waitUntilEveryReplicaAccepts(options.replicas, (url) => jwtMe(url, oldToken));
    const steps: RotationStepResult[] = [];

    steps.push(
      await runStepUnderTraffic('publish-next', rotate, () => jwtMe(options.balancer, oldToken), options),
    );
    await new Promise((resolve) => setTimeout(resolve, options.jwksMaxAgeSeconds * 1000 + 500));
    // A replica refreshes its expired key cache in the background when a request arrives, so one request
    // to each replica makes every cache fetch the published set while the auth service is up, before the
    // activation restarts it.
    await Promise.all(options.replicas.map((replica) => jwtMe(replica.url, oldToken)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    steps.push(
      await runStepUnderTraffic('activate-next', rotate, () => jwtMe(options.balancer, oldToken), options),
    );

    const newToken = await signIn(options.balancer, agent, timeoutMs);
    const newKid = readKid(newToken);
    const newStatuses = await Promise.all(options.replicas.map((replica) => jwtMe(replica.url, newToken)));

    const withdrawal = await rotate('withdraw-previous');
    steps.push({ step: 'withdraw-previous', keys: withdrawal, requests: 0, failures: 0 });
    const withdrawnAt = performance.now();
    const accepting = new Set(options.replicas.map((replica) => replica.id));
    const deadline = withdrawnAt + (options.jwksMaxAgeSeconds + 5) * 1000;
    let rejectedAt: number | undefined;
    while (accepting.size > 0 && performance.now() < deadline) {
      for (const replica of options.replicas.filter((candidate) => accepting.has(candidate.id))) {
        if ((await jwtMe(replica.url, oldToken)) === 401) {
          accepting.delete(replica.id);
        }
      }
      if (accepting.size === 0) {
        rejectedAt = performance.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    return {
      steps,
      newKid,
      newTokenAcceptedEverywhere: newStatuses.every((status) => status === 200),
      oldTokenRejectedAfterMs: rejectedAt === undefined ? undefined : Math.round(rejectedAt - withdrawnAt),
      replicasStillAcceptingOldToken: [...accepting].sort(),
    };
  } finally {
    agent.destroy();
  }
}

/** Polls each replica until it accepts the token, for at most PRECONDITION_TIMEOUT_MS. */
async function waitUntilEveryReplicaAccepts(
  replicas: readonly ReplicaEndpoint[],
  requestStatus: (url: string) => Promise<number>,
): Promise<void> {
  const deadline = performance.now() + PRECONDITION_TIMEOUT_MS;
  for (const replica of replicas) {
    let status = await requestStatus(replica.url);
    while (status !== 200 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = await requestStatus(replica.url);
    }
    if (status !== 200) {
      throw new Error(`${replica.id} returned ${status} for a fresh token before the rotation`);
    }
  }
}

/** Runs one rotation step while sending requests with the old token, one at a time, until the step ends. */
async function runStepUnderTraffic(
  step: KeyRotationStep,
  rotate: (step: KeyRotationStep) => Promise<SigningKeyState>,
  sendRequest: () => Promise<number>,
  options: KeyRotationDrillOptions,
): Promise<RotationStepResult> {
  let done = false;
  let requests = 0;
  let failures = 0;

  const traffic = (async () => {
    while (!done) {
      requests += 1;
      try {
        if ((await sendRequest()) !== 200) {
          failures += 1;
        }
      } catch {
        failures += 1;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, options.requestIntervalMs ?? DEFAULTS.requestIntervalMs),
      );
    }
  })();

  let keys: SigningKeyState;
  try {
    keys = await rotate(step);
  } finally {
    done = true;
    await traffic;
  }
  return { step, keys, requests, failures };
}

async function signIn(
  balancer: string,
  agent: ReturnType<typeof buildClientAgent>,
  timeoutMs: number,
): Promise<string> {
  const result = await sendHttpRequest(agent, {
    method: 'POST',
    url: `${balancer}/auth/login`,
    json: DEMO_CREDENTIALS[0],
    timeoutMs,
  });
  const token = (JSON.parse(result.body) as { access_token?: unknown }).access_token;
  if (result.status !== 200 || typeof token !== 'string') {
    throw new Error(`POST /auth/login returned ${result.status} during the rotate-keys drill`);
  }
  return token;
}

function readKid(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
