import { describe, expect, it } from 'vitest';
import { parseDrillState } from '../src/drill-api.js';

const STATE = {
  drills: [
    { name: 'restart-replica', actsOnReplica: true, recoverable: false },
    { name: 'redis-outage', actsOnReplica: false, recoverable: true },
  ],
  replicas: ['api-1', 'api-2'],
  active: { name: 'redis-outage', replica: null, since: '2026-12-04T23:00:00.000Z' },
  running: null,
};

describe('parseDrillState', () => {
  it('reads the drills, replicas and active drill', () => {
    const state = parseDrillState(STATE);

    expect(state?.drills).toEqual(STATE.drills);
    expect(state?.replicas).toEqual(['api-1', 'api-2']);
    expect(state?.active).toEqual({ name: 'redis-outage', replica: null });
    expect(state?.running).toBeNull();
  });

  it('reads a running step', () => {
    const state = parseDrillState({
      ...STATE,
      active: null,
      running: { name: 'stop-replica', step: 'inject' },
    });

    expect(state?.running).toEqual({ name: 'stop-replica', step: 'inject' });
    expect(state?.active).toBeNull();
  });

  it('returns null for an error body or a malformed drill', () => {
    expect(parseDrillState({ statusCode: 409, code: 'DRILL_NOT_ACTIVE', message: 'x' })).toBeNull();
    expect(parseDrillState(null)).toBeNull();
    expect(parseDrillState('drills')).toBeNull();
    expect(parseDrillState({ ...STATE, drills: [{ name: 7, actsOnReplica: true }] })).toBeNull();
    expect(parseDrillState({ ...STATE, drills: [{ name: 'stop-replica' }] })).toBeNull();
  });

  it('ignores an unknown step and non-string replicas', () => {
    const state = parseDrillState({
      ...STATE,
      replicas: ['api-1', 2],
      running: { name: 'x', step: 'pause' },
    });

    expect(state?.replicas).toEqual(['api-1']);
    expect(state?.running).toBeNull();
  });
});
