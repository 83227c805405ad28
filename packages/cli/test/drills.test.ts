import { describe, expect, it } from 'vitest';
import { type DrillVerdictInput, decideDrillVerdict, type PhaseCounts } from '../src/drills.js';

const QUIET: PhaseCounts = {
  requests: 30,
  accepted: 30,
  rejected: 0,
  errors: 0,
  serverErrors: 0,
  unavailableWithRetryAfter: 0,
  servedByTarget: 10,
  rejectedByTarget: 0,
};

const BASE: DrillVerdictInput = {
  drill: 'restart-replica',
  strategy: 'session-memory',
  target: 'api-2',
  phases: { before: QUIET, during: QUIET, after: QUIET },
  validBefore: 6,
  sessionsLost: 2,
  createdOnTarget: 2,
  redisPersistent: false,
};

describe('decideDrillVerdict', () => {
  it('expects a restart to lose the memory sessions of its replica', () => {
    const result = decideDrillVerdict(BASE);

    expect(result.asExpected).toBe(true);
    expect(result.verdict).toBe(
      'as expected: 2 of 6 sessions lost; expected 2: the 2 sessions api-2 held in memory die with its process',
    );
  });

  it('flags a Redis session lost in a restart', () => {
    const result = decideDrillVerdict({ ...BASE, strategy: 'session-redis', sessionsLost: 1 });

    expect(result.asExpected).toBe(false);
    expect(result.verdict).toMatch(/^NOT as expected: 1 of 6 sessions lost; expected 0/);
  });

  it('flags a 5xx while a replica stops mid-run', () => {
    const during = { ...QUIET, accepted: 29, errors: 1, serverErrors: 1 };
    const result = decideDrillVerdict({ ...BASE, drill: 'stop-replica', phases: { ...BASE.phases, during } });

    expect(result.asExpected).toBe(false);
    expect(result.verdict).toContain('1 responses 5xx and 0 other errors while api-2 stopped mid-run');
  });

  it('expects a Redis outage to answer 503 and lose sessions without persistence', () => {
    const during = { ...QUIET, accepted: 0, errors: 30, serverErrors: 30, unavailableWithRetryAfter: 30 };
    const result = decideDrillVerdict({
      ...BASE,
      drill: 'redis-outage',
      strategy: 'session-redis',
      phases: { ...BASE.phases, during },
      sessionsLost: 6,
    });

    expect(result.asExpected).toBe(true);
    expect(result.verdict).toContain('--redis-persistent keeps them');
  });

  it('expects a persistent Redis to keep its sessions', () => {
    const during = { ...QUIET, accepted: 0, errors: 30, serverErrors: 30, unavailableWithRetryAfter: 30 };
    const input = {
      ...BASE,
      drill: 'redis-outage' as const,
      strategy: 'session-redis' as const,
      phases: { ...BASE.phases, during },
      redisPersistent: true,
    };

    expect(decideDrillVerdict({ ...input, sessionsLost: 0 }).asExpected).toBe(true);
    expect(decideDrillVerdict({ ...input, sessionsLost: 6 }).asExpected).toBe(false);
  });

  it('flags a rejection during an auth outage', () => {
    const during = { ...QUIET, accepted: 29, rejected: 1 };
    const result = decideDrillVerdict({
      ...BASE,
      drill: 'auth-outage',
      strategy: 'jwt',
      sessionsLost: 0,
      phases: { ...BASE.phases, during },
    });

    expect(result.asExpected).toBe(false);
    expect(result.verdict).toContain('29 of 30 accepted during the outage');
  });

  it('accepts an auth outage where the mode rejects anyway', () => {
    const spread = { ...QUIET, accepted: 10, rejected: 20 };
    const result = decideDrillVerdict({
      ...BASE,
      drill: 'auth-outage',
      sessionsLost: 0,
      phases: { before: spread, during: spread, after: spread },
    });

    expect(result.asExpected).toBe(true);
    expect(result.verdict).toContain(
      '20 rejected as before the outage (20 of 30): the balancer mode, not the outage',
    );
  });

  it('expects a secret mismatch to fail exactly the replica share', () => {
    const during = { ...QUIET, accepted: 20, rejected: 10, rejectedByTarget: 10 };
    const exact = decideDrillVerdict({
      ...BASE,
      drill: 'secret-mismatch',
      strategy: 'jwt',
      phases: { ...BASE.phases, during },
      sessionsLost: 0,
    });
    const wider = decideDrillVerdict({
      ...BASE,
      drill: 'secret-mismatch',
      strategy: 'jwt',
      phases: { ...BASE.phases, during: { ...during, accepted: 18, rejected: 12 } },
      sessionsLost: 0,
    });

    expect(exact.asExpected).toBe(true);
    expect(exact.verdict).toContain('exactly its share fails');
    expect(wider.asExpected).toBe(false);
  });
});
