import { type RequestRecord, summarizeRow } from '@authlab/cli';
import { describe, expect, it } from 'vitest';
import type { MatrixReport, MatrixRow } from '../../../packages/cli/src/matrix.js';
import {
  buildCompareRow,
  computePercentile,
  describeRow,
  MAX_REPORT_ROWS,
  parseCompareReport,
  serializeCompareReport,
} from '../src/compare-report.js';
import { buildFailedOutcome, classifyResponse } from '../src/tally.js';

const validRow = {
  label: 'session-memory',
  strategy: 'session-memory',
  balancerMode: 'round-robin',
  requests: 30,
  accepted: 10,
  rejected: 20,
  errors: 0,
  servedBy: { 'api-1': 10, 'api-2': 10, 'api-3': 10 },
  latencyMs: { median: 2.1, p95: 7 },
  verdict: null,
};

/** Builds the requests of one client that round-robin spreads over three replicas. */
function buildRequests(statusOf: (replica: string) => number): RequestRecord[] {
  return Array.from({ length: 9 }, (_, index) => {
    const replica = `api-${(index % 3) + 1}`;
    return {
      client: 0,
      status: statusOf(replica),
      servedBy: replica,
      latencyMs: index + 1,
      sentCookie: true,
    };
  });
}

/** Builds a row of the CLI's report with the CLI's own summary of the requests. */
function buildCliRow(strategy: 'jwt' | 'session-memory', drill: MatrixRow['drill']): MatrixRow {
  const summary = summarizeRow(
    {
      strategy,
      balancerMode: 'round-robin',
      cookieJar: true,
      clients: 1,
      requestsPerClient: 9,
      requests: buildRequests((replica) => (strategy === 'jwt' || replica === 'api-1' ? 200 : 401)),
      creators: [strategy === 'jwt' ? 'auth' : 'api-1'],
    },
    3,
  );
  return {
    ...summary,
    drill,
    phases: null,
    sessionsValidBefore: null,
    sessionsLost: null,
    asExpected: null,
    outcomesOverTime: [],
  };
}

/** A report as `authlab compare --json` prints it: a plain run, then one drill. */
function buildCliReport(): MatrixReport {
  const plainRun = {
    drill: null,
    summary: 'every strategy through every balancer mode',
    drillReplica: null,
    startedAtMs: 0,
    durationMs: 100,
    steps: [],
    loginProbes: [],
    bucketMs: 50,
  };
  return {
    kind: 'authlab-compare',
    formatVersion: 1,
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 120,
    clients: 1,
    requestsPerClient: 9,
    strategies: ['jwt', 'session-memory'],
    balancers: { 'round-robin': 'http://127.0.0.1:8080', 'ip-hash': 'http://127.0.0.1:8081' },
    sourceAddresses: {
      kind: 'unavailable',
      addresses: [],
      note: 'test',
    } as unknown as MatrixReport['sourceAddresses'],
    replicaIds: ['api-1', 'api-2', 'api-3'],
    redisPersistent: null,
    runs: [
      { ...plainRun, rows: [buildCliRow('jwt', null), buildCliRow('session-memory', null)] },
      { ...plainRun, drill: 'restart-replica', rows: [buildCliRow('session-memory', 'restart-replica')] },
    ],
  };
}

describe('parseCompareReport', () => {
  it('reads every run of authlab compare --json', () => {
    const cliReport = buildCliReport();
    const parsed = parseCompareReport(JSON.parse(JSON.stringify(cliReport)));

    expect(parsed.ok).toBe(true);
    if (!parsed.ok) {
      return;
    }
    expect(parsed.report.balancer).toBe('http://127.0.0.1:8080, http://127.0.0.1:8081');
    expect(parsed.report.startedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(parsed.report.rows.map(describeRow)).toEqual([
      'jwt · round-robin',
      'session-memory · round-robin',
      'restart-replica: session-memory · round-robin',
    ]);

    const [jwt, memory] = parsed.report.rows;
    const cliJwt = cliReport.runs[0]?.rows[0];
    expect(jwt).toMatchObject({
      strategy: 'jwt',
      requests: 9,
      accepted: 9,
      rejected: 0,
      errors: 0,
      servedBy: { 'api-1': 3, 'api-2': 3, 'api-3': 3 },
      drill: null,
    });
    expect(jwt?.latencyMs).toEqual(cliJwt?.latencyMs);
    expect(jwt?.verdict).toBe(cliJwt?.verdict);
    expect(memory).toMatchObject({ strategy: 'session-memory', accepted: 3, rejected: 6, errors: 0 });
    expect(memory?.verdict).toMatch(/only to the replica that created it/);
  });

  it('reads a report the page wrote', () => {
    const report = {
      balancer: 'http://127.0.0.1:8080',
      startedAt: '2025-01-01T00:00:00Z',
      rows: [{ ...validRow, drill: null }],
    };
    const parsed = parseCompareReport(JSON.parse(serializeCompareReport(report)));

    expect(parsed).toEqual({ ok: true, report });
  });

  it('reads a top-level list of rows and fills optional fields', () => {
    const parsed = parseCompareReport({ rows: [{ strategy: 'jwt', accepted: 5, rejected: 1 }] });

    expect(parsed).toEqual({
      ok: true,
      report: {
        balancer: null,
        startedAt: null,
        rows: [
          {
            label: 'jwt',
            strategy: 'jwt',
            balancerMode: null,
            drill: null,
            requests: 6,
            accepted: 5,
            rejected: 1,
            errors: 0,
            servedBy: {},
            latencyMs: null,
            verdict: null,
          },
        ],
      },
    });
  });

  it('treats null latencies as not measured', () => {
    const parsed = parseCompareReport({
      rows: [
        { strategy: 'jwt', accepted: 0, rejected: 0, errors: 3, latencyMs: { median: null, p95: null } },
      ],
    });

    expect(parsed.ok && parsed.report.rows[0]?.latencyMs).toBeNull();
  });

  it('lists every problem with its path', () => {
    const parsed = parseCompareReport({
      runs: [
        {
          rows: [
            { strategy: '', accepted: -1, rejected: 1.5 },
            'row',
            { ...validRow, servedBy: { 'api-1': 'ten' }, latencyMs: { median: 1 } },
          ],
        },
      ],
    });

    expect(parsed).toEqual({
      ok: false,
      problems: [
        { path: 'runs[0].rows[0].strategy', reason: 'expected-text' },
        { path: 'runs[0].rows[0].accepted', reason: 'expected-count' },
        { path: 'runs[0].rows[0].rejected', reason: 'expected-count' },
        { path: 'runs[0].rows[1]', reason: 'expected-object' },
        { path: 'runs[0].rows[2].servedBy.api-1', reason: 'expected-count' },
        { path: 'runs[0].rows[2].latencyMs', reason: 'expected-latency' },
      ],
    });
  });

  it('rejects a document without rows', () => {
    expect(parseCompareReport(null)).toEqual({
      ok: false,
      problems: [{ path: '(root)', reason: 'expected-object' }],
    });
    expect(parseCompareReport({ runs: [] })).toEqual({
      ok: false,
      problems: [{ path: 'runs', reason: 'expected-rows' }],
    });
    expect(parseCompareReport({ results: [validRow] }).ok).toBe(false);
    expect(parseCompareReport({ rows: Array.from({ length: MAX_REPORT_ROWS + 1 }, () => validRow) }).ok).toBe(
      false,
    );
  });
});

describe('buildCompareRow', () => {
  it('counts a burst per outcome and replica', () => {
    const row = buildCompareRow(
      'session-memory',
      'round-robin',
      [
        classifyResponse(200, 'api-1', null),
        classifyResponse(401, 'api-2', 'SESSION_REQUIRED'),
        classifyResponse(401, 'api-3', 'SESSION_REQUIRED'),
        buildFailedOutcome(),
      ],
      [1, 2, 3],
    );

    expect(row).toEqual({
      label: 'session-memory',
      strategy: 'session-memory',
      balancerMode: 'round-robin',
      drill: null,
      requests: 4,
      accepted: 1,
      rejected: 2,
      errors: 1,
      servedBy: { 'api-1': 1, 'api-2': 1, 'api-3': 1 },
      latencyMs: { median: 2, p95: 3 },
      verdict: null,
    });
  });

  it('has no latency without timed responses', () => {
    expect(buildCompareRow('jwt', 'round-robin', [buildFailedOutcome()], []).latencyMs).toBeNull();
  });
});

describe('computePercentile', () => {
  it('uses the nearest rank', () => {
    const samples = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(computePercentile(samples, 0.5)).toBe(5);
    expect(computePercentile(samples, 0.95)).toBe(10);
    expect(computePercentile(samples, 0)).toBe(1);
  });

  it('returns 0 for no samples', () => {
    expect(computePercentile([], 0.5)).toBe(0);
  });
});
