import { describe, expect, it } from 'vitest';
import {
  buildFailedOutcome,
  classifyResponse,
  compareReplicaIds,
  labelReplica,
  pickReplicaColor,
  REPLICA_COLOR_COUNT,
  tallyOutcomes,
} from '../src/tally.js';

describe('classifyResponse', () => {
  it('accepts 2xx', () => {
    expect(classifyResponse(200, 'api-1', null)).toEqual({
      kind: 'accepted',
      status: 200,
      replica: 'api-1',
      code: null,
    });
    expect(classifyResponse(204, 'api-2', 'IGNORED').kind).toBe('accepted');
  });

  it('counts 401 and 403 as rejected and keeps the code', () => {
    expect(classifyResponse(401, 'api-2', 'SESSION_NOT_FOUND')).toEqual({
      kind: 'rejected',
      status: 401,
      replica: 'api-2',
      code: 'SESSION_NOT_FOUND',
    });
    expect(classifyResponse(403, 'api-3', null).kind).toBe('rejected');
  });

  it('counts other statuses as failed', () => {
    expect(classifyResponse(502, null, 'UPSTREAM_UNAVAILABLE').kind).toBe('failed');
    expect(classifyResponse(404, 'api-1', 'ROUTE_NOT_FOUND').kind).toBe('failed');
    expect(classifyResponse(302, 'api-1', null).kind).toBe('failed');
  });
});

describe('tallyOutcomes', () => {
  it('counts per replica in natural order with unknown replicas last', () => {
    const tally = tallyOutcomes([
      classifyResponse(200, 'api-10', null),
      classifyResponse(401, 'api-2', 'X'),
      classifyResponse(200, 'api-2', null),
      buildFailedOutcome(),
      classifyResponse(200, 'api-1', null),
      classifyResponse(503, 'api-1', null),
    ]);

    expect(tally.total).toBe(6);
    expect(tally.accepted).toBe(3);
    expect(tally.rejected).toBe(1);
    expect(tally.failed).toBe(2);
    expect(tally.replicas).toEqual([
      { replica: 'api-1', accepted: 1, rejected: 0, failed: 1 },
      { replica: 'api-2', accepted: 1, rejected: 1, failed: 0 },
      { replica: 'api-10', accepted: 1, rejected: 0, failed: 0 },
      { replica: '?', accepted: 0, rejected: 0, failed: 1 },
    ]);
  });

  it('returns zeros for no outcomes', () => {
    expect(tallyOutcomes([])).toEqual({ total: 0, accepted: 0, rejected: 0, failed: 0, replicas: [] });
  });
});

describe('replica labels and colors', () => {
  it('labels replicas by number', () => {
    expect(labelReplica('api-3')).toBe('3');
    expect(labelReplica('api-12')).toBe('12');
    expect(labelReplica('auth')).toBe('A');
    expect(labelReplica(null)).toBe('?');
    expect(labelReplica('')).toBe('?');
    expect(labelReplica('replica-east')).toBe('rep');
  });

  it('gives api-N the color slot N-1, wrapping after the last slot', () => {
    expect(pickReplicaColor('api-1')).toBe(0);
    expect(pickReplicaColor('api-3')).toBe(2);
    expect(pickReplicaColor(`api-${REPLICA_COLOR_COUNT + 1}`)).toBe(0);
    expect(pickReplicaColor(null)).toBeNull();
  });

  it('gives other ids a stable slot in range', () => {
    const slot = pickReplicaColor('auth');
    expect(slot).toBe(pickReplicaColor('auth'));
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(slot).toBeLessThan(REPLICA_COLOR_COUNT);
  });

  it('orders replica ids naturally', () => {
    expect(['api-10', '?', 'api-2', 'api-1'].sort(compareReplicaIds)).toEqual([
      'api-1',
      'api-2',
      'api-10',
      '?',
    ]);
  });
});
