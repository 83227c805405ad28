import { type ComparisonReport, type RequestRecord, summarizeRow } from '@authlab/cli';
import { describe, expect, it } from 'vitest';
import {
  buildCompareRow,
  computePercentile,
  MAX_REPORT_ROWS,
  parseCompareReport,
  serializeCompareReport,
} from '../src/compare-report.js';
import { buildFailedOutcome, classifyResponse } from '../src/tally.js';

const validRow = {
  label: 'session-memory · round-robin',
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

/** A report as `authlab compare --json` prints it, built with the CLI's own row summary. */
function buildCliReport(): ComparisonReport {
  const jwt = summarizeRow(
    {
      strategy: 'jwt',
      cookieJar: true,
      clients: 1,
      requestsPerClient: 9,
      requests: buildRequests(() => 200),
      creators: ['auth'],
    },
    3,
  );
  const memory = summarizeRow(
    {
      strategy: 'session-memory',
      cookieJar: true,
      clients: 1,
      requestsPerClient: 9,
      requests: buildRequests((replica) => (replica === 'api-1' ? 200 : 401)),
      creators: ['api-1'],
    },
    3,
  );
  return {
    balancer: 'http://127.0.0.1:8080',
    clients: 1,
    requestsPerClient: 9,
    replicaIds: ['api-1', 'api-2', 'api-3'],
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 120,
    rows: [jwt, memory],
  };
}

describe('parseCompareReport', () => {
  it('reads the JSON of authlab compare', () => {
    const cliReport = buildCliReport();
    const parsed = parseCompareReport(JSON.parse(JSON.stringify(cliReport)));

    expect(parsed.ok).toBe(true);
    if (!parsed.ok) {
      return;
    }
    expect(parsed.report.balancer).toBe('http://127.0.0.1:8080');
    expect(parsed.report.startedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(parsed.report.rows).toHaveLength(2);

    const [jwt, memory] = parsed.report.rows;
    expect(jwt).toMatchObject({
      label: cliReport.rows[0]?.label,
      strategy: 'jwt',
      balancerMode: cliReport.rows[0]?.balancerMode ?? null,
      requests: 9,
      accepted: 9,
      rejected: 0,
      errors: 0,
      servedBy: { 'api-1': 3, 'api-2': 3, 'api-3': 3 },
    });
    expect(jwt?.latencyMs).toEqual(cliReport.rows[0]?.latencyMs);
    expect(jwt?.verdict).toBe(cliReport.rows[0]?.verdict);
    expect(memory).toMatchObject({ strategy: 'session-memory', accepted: 3, rejected: 6, errors: 0 });
    expect(memory?.verdict).toMatch(/only to the replica that created it/);
  });

  it('reads a report the page wrote', () => {
    const parsed = parseCompareReport({ balancer: null, startedAt: null, rows: [validRow] });

    expect(parsed).toEqual({ ok: true, report: { balancer: null, startedAt: null, rows: [validRow] } });
  });

  it('fills optional fields', () => {
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
      rows: [
        { strategy: '', accepted: -1, rejected: 1.5 },
        'row',
        { ...validRow, servedBy: { 'api-1': 'ten' }, latencyMs: { median: 1 } },
      ],
    });

    expect(parsed).toEqual({
      ok: false,
      problems: [
        { path: 'rows[0].strategy', reason: 'expected-text' },
        { path: 'rows[0].accepted', reason: 'expected-count' },
        { path: 'rows[0].rejected', reason: 'expected-count' },
        { path: 'rows[1]', reason: 'expected-object' },
        { path: 'rows[2].servedBy.api-1', reason: 'expected-count' },
        { path: 'rows[2].latencyMs', reason: 'expected-latency' },
      ],
    });
  });

  it('rejects a document without rows', () => {
    expect(parseCompareReport(null)).toEqual({
      ok: false,
      problems: [{ path: '(root)', reason: 'expected-object' }],
    });
    expect(parseCompareReport({ rows: [] })).toEqual({
      ok: false,
      problems: [{ path: 'rows', reason: 'expected-rows' }],
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
      label: 'session-memory · round-robin',
      strategy: 'session-memory',
      balancerMode: 'round-robin',
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

describe('serializeCompareReport', () => {
  it('writes JSON that parses back to the same report', () => {
    const report = { balancer: 'http://127.0.0.1:8080', startedAt: '2025-01-01T00:00:00Z', rows: [validRow] };
    const parsed = parseCompareReport(JSON.parse(serializeCompareReport(report)));

    expect(parsed).toEqual({ ok: true, report });
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
