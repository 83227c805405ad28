import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../src/html-report.js';
import type { MatrixReport, MatrixRow } from '../src/matrix.js';

const ROW: MatrixRow = {
  label: 'session-memory',
  strategy: 'session-memory',
  balancerMode: 'round-robin',
  cookieJar: true,
  clients: 2,
  requests: 4,
  accepted: 2,
  rejected: 2,
  errors: 0,
  servedBy: { 'api-1': 2, 'api-2': 2 },
  imbalance: 1,
  busiestShare: 0.5,
  createdBy: { 'api-1': 2 },
  reachedOtherReplica: 2,
  rejectedOnOtherReplica: 2,
  sentWithoutCookie: 0,
  latencyMs: { median: 1, p95: 2 },
  outcome: 'pinned-to-creator',
  verdict: 'rejected on <api-2> & others',
  drill: 'restart-replica',
  phases: null,
  sessionsValidBefore: 2,
  sessionsLost: 1,
  asExpected: false,
  outcomesOverTime: [
    { startMs: 0, accepted: 2, rejected: 0, errors: 0 },
    { startMs: 100, accepted: 0, rejected: 2, errors: 0 },
  ],
};

const REPORT: MatrixReport = {
  kind: 'authlab-compare',
  formatVersion: 1,
  startedAt: '2026-12-04T21:00:00.000Z',
  durationMs: 1_000,
  clients: 2,
  requestsPerClient: 2,
  strategies: ['session-memory'],
  balancers: { 'round-robin': 'http://127.0.0.1:8080' },
  sourceAddresses: { kind: 'distinct-networks', addresses: ['127.1.0.1', '127.1.1.1'] },
  replicaIds: ['api-1', 'api-2'],
  redisPersistent: false,
  runs: [
    {
      drill: 'restart-replica',
      summary: 'stops one replica and starts it again',
      drillReplica: 'api-1',
      startedAtMs: 0,
      durationMs: 1_000,
      steps: [{ atMs: 100, action: 'fault starts on api-1' }],
      loginProbes: [],
      bucketMs: 100,
      rows: [ROW],
    },
  ],
};

describe('renderHtmlReport', () => {
  const html = renderHtmlReport(REPORT);

  it('loads nothing from outside the file', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|<img|src=|href=/);
  });

  it('draws the replica bars and the timeline as inline SVG', () => {
    expect(html).toContain('aria-label="Requests per replica"');
    expect(html).toContain('aria-label="round-robin session-memory over time"');
    expect(html).toContain('<title>fault starts on api-1</title>');
  });

  it('escapes text from the run', () => {
    expect(html).toContain('rejected on &lt;api-2&gt; &amp; others');
    expect(html).not.toContain('<api-2>');
  });

  it('marks a verdict that is not as expected', () => {
    expect(html).toContain('<td class="unexpected">');
  });
});
