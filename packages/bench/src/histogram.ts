/**
 * Latency histogram in microseconds. Each value below 1,024 µs has its own bucket, so the resolution is
 * 1 µs. Above that, every power of two is split into 512 buckets, so a reported value is within 0.2% of
 * the recorded one. The layout is HdrHistogram's log-linear scheme, sized for request latencies.
 */

const LINEAR_LIMIT_MICROS = 1024;
const SUB_BUCKET_BITS = 9;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
const LINEAR_EXPONENT = Math.log2(LINEAR_LIMIT_MICROS);

/** Bucketed range ends at 2^31 µs, about 36 minutes. Longer latencies all land in the top bucket. */
const MAX_EXPONENT = 31;
const BUCKET_COUNT = LINEAR_LIMIT_MICROS + (MAX_EXPONENT - LINEAR_EXPONENT) * SUB_BUCKETS;

/** A histogram's contents as plain data, so it can cross a worker boundary or land in a JSON report. */
export interface HistogramSnapshot {
  /** Pairs of [bucket value in µs, count], only for buckets with a count. */
  readonly buckets: readonly (readonly [number, number])[];
  readonly count: number;
  readonly minMicros: number;
  readonly maxMicros: number;
  readonly sumMicros: number;
}

function bucketIndex(micros: number): number {
  if (micros < LINEAR_LIMIT_MICROS) {
    return micros;
  }

  const exponent = Math.min(Math.floor(Math.log2(micros)), MAX_EXPONENT - 1);
  const base = 2 ** exponent;
  const offset = Math.min(Math.floor(((micros - base) / base) * SUB_BUCKETS), SUB_BUCKETS - 1);
  return LINEAR_LIMIT_MICROS + (exponent - LINEAR_EXPONENT) * SUB_BUCKETS + offset;
}

/** Lowest value of a bucket, which is the value reported for every sample in it. */
function bucketValue(index: number): number {
  if (index < LINEAR_LIMIT_MICROS) {
    return index;
  }

  const relative = index - LINEAR_LIMIT_MICROS;
  const exponent = LINEAR_EXPONENT + Math.floor(relative / SUB_BUCKETS);
  const base = 2 ** exponent;
  return Math.round(base + ((relative % SUB_BUCKETS) * base) / SUB_BUCKETS);
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private total = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;
  private sum = 0;

  /** Records one latency. Fractions of a microsecond are dropped; negative values count as 0. */
  record(micros: number): void {
    const value = Math.max(0, Math.floor(micros));
    this.counts[bucketIndex(value)]! += 1;
    this.total += 1;
    this.sum += value;
    if (value < this.min) {
      this.min = value;
    }
    if (value > this.max) {
      this.max = value;
    }
  }

  get count(): number {
    return this.total;
  }

  /** Adds every sample of a snapshot, for example one worker's share of a run. */
  merge(snapshot: HistogramSnapshot): void {
    for (const [value, count] of snapshot.buckets) {
      this.counts[bucketIndex(value)]! += count;
    }
    if (snapshot.count === 0) {
      return;
    }
    this.total += snapshot.count;
    this.sum += snapshot.sumMicros;
    this.min = Math.min(this.min, snapshot.minMicros);
    this.max = Math.max(this.max, snapshot.maxMicros);
  }

  /**
   * Returns the smallest recorded value such that at least `percent` of the samples are at or below it
   * (the nearest-rank definition), or 0 when the histogram is empty.
   */
  percentile(percent: number): number {
    if (!(percent >= 0 && percent <= 100)) {
      throw new RangeError(`percentile must be between 0 and 100, got ${percent}`);
    }
    if (this.total === 0) {
      return 0;
    }

    const rank = Math.max(1, Math.ceil((percent / 100) * this.total));
    let seen = 0;
    for (let index = 0; index < BUCKET_COUNT; index += 1) {
      seen += this.counts[index]!;
      if (seen >= rank) {
        return Math.min(Math.max(bucketValue(index), this.min), this.max);
      }
    }
    return this.max;
  }

  mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  snapshot(): HistogramSnapshot {
    const buckets: [number, number][] = [];
    for (let index = 0; index < BUCKET_COUNT; index += 1) {
      const count = this.counts[index]!;
      if (count > 0) {
        buckets.push([bucketValue(index), count]);
      }
    }
    return {
      buckets,
      count: this.total,
      minMicros: this.total === 0 ? 0 : this.min,
      maxMicros: this.max,
      sumMicros: this.sum,
    };
  }

  static fromSnapshot(snapshot: HistogramSnapshot): LatencyHistogram {
    const histogram = new LatencyHistogram();
    histogram.merge(snapshot);
    return histogram;
  }
}
