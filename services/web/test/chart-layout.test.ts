import { describe, expect, it } from 'vitest';
import {
  formatMs,
  layoutLatencyChart,
  layoutOutcomeChart,
  layoutReplicaChart,
  NARROW_CHART_WIDTH,
} from '../src/chart-layout.js';
import type { CompareRow } from '../src/compare-report.js';
import { labelReplica, pickReplicaColor } from '../src/tally.js';

const words = { accepted: 'accepted', rejected: 'rejected', failed: 'failed' };

const rows: CompareRow[] = [
  {
    label: 'jwt',
    strategy: 'jwt',
    balancerMode: 'round-robin',
    drill: null,
    requests: 30,
    accepted: 30,
    rejected: 0,
    errors: 0,
    servedBy: { 'api-1': 10, 'api-2': 10, 'api-3': 10 },
    latencyMs: { median: 2, p95: 4 },
    verdict: null,
  },
  {
    label: 'session-memory',
    strategy: 'session-memory',
    balancerMode: 'round-robin',
    drill: null,
    requests: 30,
    accepted: 10,
    rejected: 19,
    errors: 1,
    servedBy: { 'api-1': 10, 'api-2': 10, 'api-3': 10 },
    latencyMs: null,
    verdict: null,
  },
];

function sumWidths(segments: readonly { width: number }[]): number {
  return segments.reduce((sum, segment) => sum + segment.width, 0);
}

describe('layoutOutcomeChart', () => {
  it('splits each bar by outcome with bars of equal full width', () => {
    const layout = layoutOutcomeChart(rows, 800, words);
    const [full, mixed] = layout.rows;

    expect(full?.segments.map((segment) => segment.className)).toEqual(['outcome-accepted']);
    expect(mixed?.segments.map((segment) => segment.className)).toEqual([
      'outcome-accepted',
      'outcome-rejected',
      'outcome-failed',
    ]);
    expect(sumWidths(mixed?.segments ?? [])).toBeCloseTo(sumWidths(full?.segments ?? []), 6);
    expect(mixed?.summary).toBe('✓10 ✕19 !1');
  });

  it('omits the inline text of segments too narrow for it', () => {
    const mixed = layoutOutcomeChart(rows, 800, words).rows[1];
    expect(mixed?.segments[2]?.inlineText).toBe('');
    expect(mixed?.segments[1]?.inlineText).toBe('✕19');
  });

  it('stays inside the width and puts labels above bars when narrow', () => {
    for (const width of [340, 800]) {
      const layout = layoutOutcomeChart(rows, width, words);
      for (const row of layout.rows) {
        const end = Math.max(...row.segments.map((segment) => segment.x + segment.width));
        expect(end).toBeLessThanOrEqual(width);
        expect(row.summaryX).toBeLessThan(width);
        if (width < NARROW_CHART_WIDTH) {
          expect(row.labelY).toBeLessThan(row.segments[0]?.y ?? 0);
        } else {
          expect(row.segments[0]?.x).toBeGreaterThan(0);
        }
      }
      expect(layout.height).toBeGreaterThan(0);
    }
  });
});

describe('layoutReplicaChart', () => {
  it('gives each replica a segment with its number and color', () => {
    const layout = layoutReplicaChart(rows, 800, pickReplicaColor, labelReplica);
    const segments = layout.rows[0]?.segments ?? [];

    expect(segments.map((segment) => segment.className)).toEqual(['replica-0', 'replica-1', 'replica-2']);
    expect(segments.map((segment) => segment.inlineText)).toEqual(['1', '2', '3']);
    expect(layout.rows[0]?.summary).toBe('3');
  });
});

describe('layoutLatencyChart', () => {
  it('scales bars to the largest 95th percentile and leaves rows without latency empty', () => {
    const layout = layoutLatencyChart(rows, 800);
    const [median, p95] = layout.rows[0]?.segments ?? [];

    expect(median?.width).toBeCloseTo((p95?.width ?? 0) / 2, 6);
    expect(layout.rows[1]?.segments).toEqual([]);
    expect(layout.rows[0]?.summary).toBe('2.0 ms / 4.0 ms');
  });
});

describe('formatMs', () => {
  it('keeps one decimal below 10 ms', () => {
    expect(formatMs(3.44)).toBe('3.4 ms');
    expect(formatMs(120.4)).toBe('120 ms');
  });
});
