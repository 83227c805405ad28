import type { ClusterDriver } from '@authlab/cluster';
import type { DrillPhase, Strategy } from './verdict.js';

/** The faults `authlab drill` and `compare --drill` inject. */
export type DrillName =
  | 'restart-replica'
  | 'redis-outage'
  | 'auth-outage'
  | 'secret-mismatch'
  | 'stop-replica';

export const DRILL_NAMES: readonly DrillName[] = Object.freeze([
  'restart-replica',
  'redis-outage',
  'auth-outage',
  'secret-mismatch',
  'stop-replica',
]);

/** The driver, replica and wait a drill acts with. */
export interface DrillContext {
  readonly driver: ClusterDriver;
  /** The replica a replica drill acts on. */
  readonly target: string;
  /** Waits until every replica passes its readiness check again. */
  readonly waitForReplicas: () => Promise<void>;
}

/** One fault: what it does before and after the `during` phase, and what each strategy should lose. */
export interface DrillDefinition {
  readonly name: DrillName;
  readonly summary: string;
  /** Whether the drill acts on one replica, chosen with --replica. */
  readonly actsOnReplica: boolean;
  /**
   * `between`: the fault starts after the `before` phase and ends after `during`. `mid-phase`: the fault
   * starts while the requests of `during` are in flight, and ends after it.
   */
  readonly timing: 'between' | 'mid-phase';
  /** Whether `during` also tries a login through every listener, as the auth outage does. */
  readonly probesLogin: boolean;
  inject(context: DrillContext): Promise<void>;
  recover(context: DrillContext): Promise<void>;
}

export const DRILLS: Readonly<Record<DrillName, DrillDefinition>> = Object.freeze({
  'restart-replica': {
    name: 'restart-replica',
    summary: 'stops one replica and starts it again; memory sessions it held are gone',
    actsOnReplica: true,
    timing: 'between',
    probesLogin: false,
    inject: async ({ driver, target }) => {
      await driver.restartReplica(target);
    },
    recover: async () => undefined,
  },
  'stop-replica': {
    name: 'stop-replica',
    summary: 'stops one replica while requests are in flight, then starts it again',
    actsOnReplica: true,
    timing: 'mid-phase',
    probesLogin: false,
    inject: async ({ driver, target }) => {
      await driver.stopReplica(target);
    },
    recover: async ({ driver, target }) => {
      await driver.startReplica(target);
    },
  },
  'redis-outage': {
    name: 'redis-outage',
    summary: 'stops Redis, then starts it again',
    actsOnReplica: false,
    timing: 'between',
    probesLogin: false,
    inject: async ({ driver }) => {
      await driver.stopRedis();
    },
    recover: async ({ driver, waitForReplicas }) => {
      await driver.startRedis();
      await waitForReplicas();
    },
  },
  'auth-outage': {
    name: 'auth-outage',
    summary: 'stops the auth service, then starts it again',
    actsOnReplica: false,
    timing: 'between',
    probesLogin: true,
    inject: async ({ driver }) => {
      await driver.stopAuth();
    },
    recover: async ({ driver }) => {
      await driver.startAuth();
    },
  },
  'secret-mismatch': {
    name: 'secret-mismatch',
    summary:
      'restarts one replica with a JWT secret and a session secret of its own, then with the shared ones',
    actsOnReplica: true,
    timing: 'between',
    probesLogin: false,
    inject: async ({ driver, target }) => {
      await requireSecretsDriver(driver).restartReplicaWithSecrets(target, 'mismatched');
    },
    recover: async ({ driver, target }) => {
      await requireSecretsDriver(driver).restartReplicaWithSecrets(target, 'shared');
    },
  },
});

function requireSecretsDriver(
  driver: ClusterDriver,
): Required<Pick<ClusterDriver, 'restartReplicaWithSecrets'>> {
  const restart = driver.restartReplicaWithSecrets;
  if (restart === undefined) {
    throw new Error('this cluster cannot give one replica secrets of its own, so secret-mismatch cannot run');
  }
  return { restartReplicaWithSecrets: restart.bind(driver) };
}

/** Requests of one phase of one row, as the drill verdict reads them. */
export interface PhaseCounts {
  readonly requests: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Any status other than 200, 401 and 403, or no response. */
  readonly errors: number;
  /** Status 500 to 599. */
  readonly serverErrors: number;
  /** Status 503 with Retry-After, which a replica sends while its session store is down. */
  readonly unavailableWithRetryAfter: number;
  /** Served by the drill's replica. */
  readonly servedByTarget: number;
  /** Rejected by the drill's replica. */
  readonly rejectedByTarget: number;
}

/** The facts a drill verdict is derived from, for one strategy and balancer mode. */
export interface DrillVerdictInput {
  readonly drill: DrillName;
  readonly strategy: Strategy;
  readonly target: string | undefined;
  readonly phases: Readonly<Record<DrillPhase, PhaseCounts>>;
  /** Sessions (or tokens) that some replica accepted before the drill. Null when not measured. */
  readonly validBefore: number | null;
  /** Of those, the ones no replica accepts after the drill. */
  readonly sessionsLost: number | null;
  /** Sessions whose creator was the drill's replica. */
  readonly createdOnTarget: number;
  readonly redisPersistent: boolean | undefined;
}

/** Derives what a strategy is expected to lose in a drill, compares it with what it lost, in plain words. */
export function decideDrillVerdict(input: DrillVerdictInput): { verdict: string; asExpected: boolean } {
  const { during, after } = input.phases;
  const lost = input.sessionsLost;
  const lostText =
    lost === null || input.validBefore === null
      ? 'sessions lost not measured'
      : `${lost} of ${input.validBefore} sessions lost`;
  const expectedLoss = expectLoss(input);
  const lossMatches = lost === null || expectedLoss === null || lost === expectedLoss;

  switch (input.drill) {
    case 'restart-replica': {
      const why =
        input.strategy === 'session-memory'
          ? `the ${input.createdOnTarget} session${input.createdOnTarget === 1 ? '' : 's'} ${input.target} held in memory die${input.createdOnTarget === 1 ? 's' : ''} with its process`
          : 'nothing lives in the replica process';
      return judge(lossMatches && after.errors === 0, `${lostText}; expected ${expectedLoss ?? 0}: ${why}`);
    }
    case 'stop-replica': {
      const text = `${during.serverErrors} responses 5xx and ${during.errors - during.serverErrors} other errors while ${input.target} stopped mid-run (expected none: nginx retries a GET on another replica); ${lostText}`;
      return judge(during.serverErrors === 0 && during.errors === 0, text);
    }
    case 'redis-outage': {
      if (input.strategy === 'session-redis') {
        const fast = `${during.unavailableWithRetryAfter} of ${during.requests} requests answered 503 with Retry-After during the outage`;
        const persistence = input.redisPersistent
          ? 'Redis keeps an append-only file, so its sessions survive the restart'
          : 'Redis kept nothing on disk, so its restart lost every session; --redis-persistent keeps them';
        return judge(
          during.unavailableWithRetryAfter === during.requests && lossMatches && after.errors === 0,
          `${fast}; ${lostText}: ${persistence}`,
        );
      }
      return judge(
        during.errors === 0 && lossMatches,
        `untouched by the outage: ${during.accepted} of ${during.requests} requests accepted, ${during.errors} errors; ${lostText}`,
      );
    }
    case 'auth-outage': {
      // A memory session behind round-robin is rejected by the replicas that do not hold it, outage or
      // not, so rejections count against the outage only for a row that had none before it.
      const before = input.phases.before;
      const rejectsAnyway = before.rejected > 0;
      const rejectionsText = rejectsAnyway
        ? `, and ${during.rejected} rejected as before the outage (${before.rejected} of ${before.requests}): the balancer mode, not the outage`
        : '';
      return judge(
        during.errors === 0 && (rejectsAnyway || during.rejected === 0) && lossMatches,
        `requests need no auth service: ${during.accepted} of ${during.requests} accepted during the outage${rejectionsText}; ${lostText}`,
      );
    }
    case 'secret-mismatch': {
      if (input.strategy === 'basic') {
        return judge(
          during.rejected === 0,
          `no secret involved: ${during.rejected} of ${during.requests} rejected`,
        );
      }
      // The replica with its own secrets rejects everything it serves. A memory session fails on the other
      // replicas anyway, so only the strategies that work everywhere must fail on that replica alone.
      const targetRejectsAll = during.rejectedByTarget === during.servedByTarget;
      const onlyTarget = input.strategy === 'session-memory' || during.rejected === during.rejectedByTarget;
      const exact = targetRejectsAll && onlyTarget;
      return judge(
        exact && during.errors === 0,
        `${during.rejected} of ${during.requests} requests rejected, ${during.rejectedByTarget} of them by ${input.target}, which served ${during.servedByTarget}: ${exact ? 'exactly its share fails' : 'not exactly its share'}`,
      );
    }
  }
}

/** Sessions a strategy should lose in a drill; null when the drill makes no promise. */
function expectLoss(input: DrillVerdictInput): number | null {
  if (input.validBefore === null) {
    return null;
  }
  const replicaHeld = input.strategy === 'session-memory' ? input.createdOnTarget : 0;
  switch (input.drill) {
    case 'restart-replica':
    case 'stop-replica':
    case 'secret-mismatch':
      return replicaHeld;
    case 'redis-outage':
      return input.strategy === 'session-redis' && !input.redisPersistent ? input.validBefore : 0;
    case 'auth-outage':
      return 0;
  }
}

function judge(asExpected: boolean, text: string): { verdict: string; asExpected: boolean } {
  return { verdict: `${asExpected ? 'as expected' : 'NOT as expected'}: ${text}`, asExpected };
}
