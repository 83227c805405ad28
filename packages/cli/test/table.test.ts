import { describe, expect, it } from 'vitest';
import { type ComparisonReport, type RowSummary, renderComparisonTable } from '../src/index.js';

const JWT_ROW: RowSummary = {
  label: 'jwt',
  strategy: 'jwt',
  balancerMode: 'round-robin',
  cookieJar: true,
  clients: 6,
  requests: 180,
  accepted: 180,
  rejected: 0,
  errors: 0,
  servedBy: { 'api-1': 60, 'api-2': 60, 'api-3': 60 },
  imbalance: 1,
  busiestShare: 0.333,
  createdBy: { auth: 6 },
  reachedOtherReplica: 0,
  rejectedOnOtherReplica: 0,
  sentWithoutCookie: 0,
  latencyMs: { median: 1.234, p95: 3.456 },
  outcome: 'works-on-every-replica',
  verdict: 'works on every replica: all 180 answered requests were accepted by api-1, api-2 and api-3',
};

const NO_JAR_ROW: RowSummary = {
  ...JWT_ROW,
  label: 'session-redis, no cookie jar',
  strategy: 'session-redis',
  cookieJar: false,
  clients: 1,
  requests: 30,
  accepted: 0,
  rejected: 30,
  servedBy: { 'api-1': 10, 'api-2': 10, 'api-3': 10 },
  createdBy: { 'api-3': 1 },
  latencyMs: { median: null, p95: null },
  outcome: 'rejected-without-cookie',
  verdict:
    'without a cookie jar the session cookie is never sent back: all 30 answered requests were rejected',
};

const REPORT: ComparisonReport = {
  balancer: 'http://127.0.0.1:8080',
  clients: 6,
  requestsPerClient: 30,
  replicaIds: ['api-1', 'api-2', 'api-3'],
  startedAt: '2026-01-01T12:00:00.000Z',
  durationMs: 1234,
  rows: [JWT_ROW, NO_JAR_ROW],
};

describe('renderComparisonTable', () => {
  it('renders an aligned plain-text table with verdicts', () => {
    const expected = [
      'Balancer http://127.0.0.1:8080: 6 clients per strategy, 30 requests each, replicas seen: api-1, api-2, api-3.',
      '',
      'strategy                      clients  requests  accepted  rejected  errors  no cookie  median ms  p95 ms  served by (requests)          signed in by (clients)',
      'jwt                                 6       180       180         0       0          -        1.2     3.5  api-1 60, api-2 60, api-3 60  auth 6',
      'session-redis, no cookie jar        1        30         0        30       0         30          -       -  api-1 10, api-2 10, api-3 10  api-3 1',
      '',
      'Verdicts',
      '  jwt                           works on every replica: all 180 answered requests were accepted by api-1, api-2 and api-3',
      '  session-redis, no cookie jar  without a cookie jar the session cookie is never sent back: all 30 answered requests were rejected',
      '',
    ].join('\n');

    expect(renderComparisonTable(REPORT, { color: false })).toBe(expected);
  });

  it('uses no escape codes without color', () => {
    expect(renderComparisonTable(REPORT, { color: false })).not.toContain('\u001b[');
  });

  it('makes headings bold with color', () => {
    const text = renderComparisonTable(REPORT, { color: true });

    expect(text).toContain('\u001b[1mstrategy');
    expect(text).toContain('\u001b[1mVerdicts\u001b[22m');
  });

  it('says when no replica answered', () => {
    const text = renderComparisonTable({ ...REPORT, replicaIds: [] }, { color: false });

    expect(text.split('\n')[0]).toBe(
      'Balancer http://127.0.0.1:8080: 6 clients per strategy, 30 requests each, replicas seen: no replica answered.',
    );
  });
});
