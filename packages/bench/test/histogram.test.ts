import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/histogram.js';

describe('LatencyHistogram', () => {
  it('keeps microsecond resolution below one millisecond', () => {
    const histogram = new LatencyHistogram();
    for (let micros = 1; micros <= 100; micros += 1) {
      histogram.record(micros);
    }

    expect(histogram.count).toBe(100);
    expect(histogram.percentile(50)).toBe(50);
    expect(histogram.percentile(99)).toBe(99);
    expect(histogram.percentile(100)).toBe(100);
    expect(histogram.percentile(0)).toBe(1);
    expect(histogram.mean()).toBeCloseTo(50.5, 5);
  });

  it('stays within 0.2 percent above one millisecond', () => {
    for (const micros of [1_500, 12_345, 987_654, 45_000_000]) {
      const histogram = new LatencyHistogram();
      histogram.record(micros);
      histogram.record(micros * 2);

      const reported = histogram.percentile(50);
      expect(Math.abs(reported - micros) / micros).toBeLessThan(0.002);
    }
  });

  it('merges snapshots without losing samples', () => {
    const first = new LatencyHistogram();
    const second = new LatencyHistogram();
    first.record(10);
    first.record(20);
    second.record(5_000);

    const merged = LatencyHistogram.fromSnapshot(first.snapshot());
    merged.merge(second.snapshot());

    expect(merged.count).toBe(3);
    expect(merged.percentile(100)).toBe(5_000);
    expect(merged.percentile(0)).toBe(10);
    expect(merged.snapshot().sumMicros).toBe(5_030);
  });

  it('returns zero for an empty histogram', () => {
    const histogram = new LatencyHistogram();

    expect(histogram.percentile(99)).toBe(0);
    expect(histogram.mean()).toBe(0);
    expect(histogram.snapshot()).toEqual({ buckets: [], count: 0, minMicros: 0, maxMicros: 0, sumMicros: 0 });
  });

  it('rejects a percentile outside 0 to 100', () => {
    const histogram = new LatencyHistogram();

    expect(() => histogram.percentile(101)).toThrow(RangeError);
    expect(() => histogram.percentile(Number.NaN)).toThrow('percentile must be between 0 and 100, got NaN');
  });
});
