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
  strategy: 'session-memory',
  balancerMode: 'round-robin',
  requests: 30,
  accepted: 10,
  rejected: 20,
  failed: 0,
  servedBy: { 'api-1': 10, 'api-2': 10, 'api-3': 10 },
  latencyMs: { p50: 2.5, p95: 7 },
};

describe('parseCompareReport', () => {
  it('reads a full report', () => {
    const parsed = parseCompareReport({
      cluster: 'local',
      generatedAt: '2025-01-01T00:00:00Z',
      results: [validRow],
    });

    expect(parsed).toEqual({
      ok: true,
      report: { cluster: 'local', generatedAt: '2025-01-01T00:00:00Z', rows: [validRow] },
    });
  });

  it('fills optional fields', () => {
    const parsed = parseCompareReport({
      results: [{ strategy: 'jwt', balancerMode: 'round-robin', accepted: 5, rejected: 1 }],
    });

    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.report.rows[0]).toEqual({
        strategy: 'jwt',
        balancerMode: 'round-robin',
        requests: 6,
        accepted: 5,
        rejected: 1,
        failed: 0,
        servedBy: {},
        latencyMs: null,
      });
      expect(parsed.report.cluster).toBeNull();
    }
  });

  it('lists every problem with its path', () => {
    const parsed = parseCompareReport({
      results: [
        { strategy: '', balancerMode: 'round-robin', accepted: -1, rejected: 1.5 },
        'row',
        { ...validRow, servedBy: { 'api-1': 'ten' }, latencyMs: { p50: 1 } },
      ],
    });

    expect(parsed).toEqual({
      ok: false,
      problems: [
        { path: 'results[0].strategy', reason: 'expected-text' },
        { path: 'results[0].accepted', reason: 'expected-count' },
        { path: 'results[0].rejected', reason: 'expected-count' },
        { path: 'results[1]', reason: 'expected-object' },
        { path: 'results[2].servedBy.api-1', reason: 'expected-count' },
        { path: 'results[2].latencyMs', reason: 'expected-latency' },
      ],
    });
  });

  it('rejects a document without rows', () => {
    expect(parseCompareReport(null)).toEqual({
      ok: false,
      problems: [{ path: '(root)', reason: 'expected-object' }],
    });
    expect(parseCompareReport({ results: [] })).toEqual({
      ok: false,
      problems: [{ path: 'results', reason: 'expected-rows' }],
    });
    expect(
      parseCompareReport({ results: Array.from({ length: MAX_REPORT_ROWS + 1 }, () => validRow) }).ok,
    ).toBe(false);
  });
});

describe('buildCompareRow', () => {
  it('counts a burst per outcome and replica', () => {
    const row = buildCompareRow(
      'session-memory',
      'round-robin',
      [
        classifyResponse(200, 'api-1', null),
        classifyResponse(401, 'api-2', 'SESSION_NOT_FOUND'),
        classifyResponse(401, 'api-3', 'SESSION_NOT_FOUND'),
        buildFailedOutcome(),
      ],
      [1, 2, 3],
    );

    expect(row).toEqual({
      strategy: 'session-memory',
      balancerMode: 'round-robin',
      requests: 4,
      accepted: 1,
      rejected: 2,
      failed: 1,
      servedBy: { 'api-1': 1, 'api-2': 1, 'api-3': 1 },
      latencyMs: { p50: 2, p95: 3 },
    });
  });

  it('has no latency without timed answers', () => {
    expect(buildCompareRow('jwt', 'round-robin', [buildFailedOutcome()], []).latencyMs).toBeNull();
  });
});

describe('serializeCompareReport', () => {
  it('writes JSON that parses back to the same report', () => {
    const report = { cluster: 'local', generatedAt: '2025-01-01T00:00:00Z', rows: [validRow] };
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
