import { type RequestOutcome, tallyOutcomes, UNKNOWN_REPLICA } from './tally.js';

/**
 * The comparison the charts draw: one row per strategy and balancer mode. The dashboard reads this shape from a
 * file or URL and also builds it from its own bursts.
 */
export interface CompareReport {
  readonly cluster: string | null;
  readonly generatedAt: string | null;
  readonly rows: readonly CompareRow[];
}

export interface CompareRow {
  readonly strategy: string;
  readonly balancerMode: string;
  readonly requests: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly failed: number;
  /** Responses per replica id, or an empty object when the report has none. */
  readonly servedBy: Readonly<Record<string, number>>;
  /** Median and 95th percentile latency in milliseconds, when measured. */
  readonly latencyMs: { readonly p50: number; readonly p95: number } | null;
}

/** Reason part of a report was unreadable, as a message key suffix the page translates. */
export type ReportProblemReason =
  | 'expected-object'
  | 'expected-rows'
  | 'expected-text'
  | 'expected-count'
  | 'expected-latency';

export interface ReportProblem {
  /** Path of the problem in the JSON, for example `results[2].accepted`. */
  readonly path: string;
  readonly reason: ReportProblemReason;
}

export type ParsedReport =
  | { readonly ok: true; readonly report: CompareReport }
  | { readonly ok: false; readonly problems: readonly ReportProblem[] };

/** Largest report the page reads, so a wrong file cannot freeze the tab. */
export const MAX_REPORT_BYTES = 1_000_000;
export const MAX_REPORT_ROWS = 200;

/**
 * Reads a compare report. It takes the rows from `results` and accepts `{ strategy, balancerMode, accepted,
 * rejected }` with optional `requests`, `failed`, `servedBy` and `latencyMs: { p50, p95 }`. Every problem is
 * listed at once.
 */
export function parseCompareReport(raw: unknown): ParsedReport {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [{ path: '(root)', reason: 'expected-object' }] };
  }

  const record = raw as Record<string, unknown>;
  const results = record.results;
  if (!Array.isArray(results) || results.length === 0 || results.length > MAX_REPORT_ROWS) {
    return { ok: false, problems: [{ path: 'results', reason: 'expected-rows' }] };
  }

  const problems: ReportProblem[] = [];
  const rows: CompareRow[] = [];
  results.forEach((item, index) => {
    const row = parseRow(item, `results[${index}]`, problems);
    if (row) {
      rows.push(row);
    }
  });

  if (problems.length > 0) {
    return { ok: false, problems };
  }

  return {
    ok: true,
    report: {
      cluster: typeof record.cluster === 'string' ? record.cluster : null,
      generatedAt: typeof record.generatedAt === 'string' ? record.generatedAt : null,
      rows,
    },
  };
}

function parseRow(item: unknown, path: string, problems: ReportProblem[]): CompareRow | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    problems.push({ path, reason: 'expected-object' });
    return null;
  }

  const row = item as Record<string, unknown>;
  const before = problems.length;

  const strategy = readText(row.strategy, `${path}.strategy`, problems);
  const balancerMode = readText(row.balancerMode, `${path}.balancerMode`, problems);
  const accepted = readCount(row.accepted, `${path}.accepted`, problems);
  const rejected = readCount(row.rejected, `${path}.rejected`, problems);
  const failed = row.failed === undefined ? 0 : readCount(row.failed, `${path}.failed`, problems);
  const requests =
    row.requests === undefined
      ? accepted + rejected + failed
      : readCount(row.requests, `${path}.requests`, problems);
  const servedBy = readServedBy(row.servedBy, `${path}.servedBy`, problems);
  const latencyMs = readLatency(row.latencyMs, `${path}.latencyMs`, problems);

  if (problems.length > before) {
    return null;
  }
  return { strategy, balancerMode, requests, accepted, rejected, failed, servedBy, latencyMs };
}

function readText(value: unknown, path: string, problems: ReportProblem[]): string {
  if (typeof value !== 'string' || value === '' || value.length > 100) {
    problems.push({ path, reason: 'expected-text' });
    return '';
  }
  return value;
}

function readCount(value: unknown, path: string, problems: ReportProblem[]): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    problems.push({ path, reason: 'expected-count' });
    return 0;
  }
  return value;
}

function readServedBy(value: unknown, path: string, problems: ReportProblem[]): Record<string, number> {
  if (value === undefined) {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ path, reason: 'expected-object' });
    return {};
  }

  const counts: Record<string, number> = {};
  for (const [replica, count] of Object.entries(value)) {
    counts[replica] = readCount(count, `${path}.${replica}`, problems);
  }
  return counts;
}

function readLatency(value: unknown, path: string, problems: ReportProblem[]): CompareRow['latencyMs'] {
  if (value === undefined || value === null) {
    return null;
  }

  const latency = value as { p50?: unknown; p95?: unknown };
  const valid =
    typeof value === 'object' &&
    typeof latency.p50 === 'number' &&
    typeof latency.p95 === 'number' &&
    Number.isFinite(latency.p50) &&
    Number.isFinite(latency.p95) &&
    latency.p50 >= 0 &&
    latency.p95 >= 0;
  if (!valid) {
    problems.push({ path, reason: 'expected-latency' });
    return null;
  }
  return { p50: latency.p50 as number, p95: latency.p95 as number };
}

/** Returns the value below which `fraction` of the samples fall (nearest-rank method), or 0 for no samples. */
export function computePercentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) {
    return 0;
  }
  const sorted = [...samples].sort((left, right) => left - right);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Builds the report row of one burst the page sent, from its outcomes and the duration of each request. */
export function buildCompareRow(
  strategy: string,
  balancerMode: string,
  outcomes: readonly RequestOutcome[],
  durationsMs: readonly number[],
): CompareRow {
  const tally = tallyOutcomes(outcomes);
  const servedBy: Record<string, number> = {};
  for (const row of tally.replicas) {
    if (row.replica !== UNKNOWN_REPLICA) {
      servedBy[row.replica] = row.accepted + row.rejected + row.failed;
    }
  }

  return {
    strategy,
    balancerMode,
    requests: tally.total,
    accepted: tally.accepted,
    rejected: tally.rejected,
    failed: tally.failed,
    servedBy,
    latencyMs:
      durationsMs.length === 0
        ? null
        : { p50: computePercentile(durationsMs, 0.5), p95: computePercentile(durationsMs, 0.95) },
  };
}

/** Writes a report in the JSON shape `parseCompareReport` reads, so a downloaded file loads again. */
export function serializeCompareReport(report: CompareReport): string {
  const document = {
    cluster: report.cluster,
    generatedAt: report.generatedAt,
    results: report.rows,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
