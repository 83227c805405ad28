import { type RequestOutcome, tallyOutcomes, UNKNOWN_REPLICA } from './tally.js';

/**
 * The comparison the charts draw. The page reads the JSON document of `authlab compare --json` and
 * `authlab drill --json` (docs/report-format.md): the rows of every run, drills included. It writes its own
 * bursts in the same shape, so a downloaded file loads again.
 */
export interface CompareReport {
  /** Balancer listeners the report was measured through, as text for the status line. */
  readonly balancer: string | null;
  readonly startedAt: string | null;
  readonly rows: readonly CompareRow[];
}

export interface CompareRow {
  /** The row's own label: the strategy, or for example `session-redis, no cookie jar`. */
  readonly label: string;
  readonly strategy: string;
  readonly balancerMode: string | null;
  /** The drill the row ran in, or null for a plain comparison. */
  readonly drill: string | null;
  readonly requests: number;
  /** Status 2xx. */
  readonly accepted: number;
  /** Status 401 or 403. */
  readonly rejected: number;
  /** Any other status, or no response at all. */
  readonly errors: number;
  /** Responses per replica id, or an empty object when the report has none. */
  readonly servedBy: Readonly<Record<string, number>>;
  /** Median and 95th percentile latency in milliseconds, when measured. */
  readonly latencyMs: { readonly median: number; readonly p95: number } | null;
  /** One-line verdict of `authlab compare`, in English. */
  readonly verdict: string | null;
}

/** Reason part of a report was unreadable, as a message key suffix the page translates. */
export type ReportProblemReason =
  | 'expected-object'
  | 'expected-rows'
  | 'expected-text'
  | 'expected-count'
  | 'expected-latency';

export interface ReportProblem {
  /** Path of the problem in the JSON, for example `runs[0].rows[2].accepted`. */
  readonly path: string;
  readonly reason: ReportProblemReason;
}

export type ParsedReport =
  | { readonly ok: true; readonly report: CompareReport }
  | { readonly ok: false; readonly problems: readonly ReportProblem[] };

/** Largest report the page reads, so a wrong file cannot freeze the tab. */
export const MAX_REPORT_BYTES = 1_000_000;
export const MAX_REPORT_ROWS = 200;

/** Kind the page writes into its own reports, beside the CLI's `authlab-compare`. */
export const DASHBOARD_REPORT_KIND = 'authlab-dashboard-bursts';

interface RowList {
  readonly path: string;
  readonly drill: string | null;
  readonly rows: readonly unknown[];
}

/** Collects the row lists of a report: every run's `rows`, or a top-level `rows`. */
function findRowLists(record: Record<string, unknown>): RowList[] | null {
  if (Array.isArray(record.runs)) {
    return record.runs.flatMap((run, index) => {
      if (typeof run !== 'object' || run === null || !Array.isArray((run as { rows?: unknown }).rows)) {
        return [];
      }
      const { rows, drill } = run as { rows: unknown[]; drill?: unknown };
      return [{ path: `runs[${index}].rows`, drill: typeof drill === 'string' ? drill : null, rows }];
    });
  }
  if (Array.isArray(record.rows)) {
    return [{ path: 'rows', drill: null, rows: record.rows }];
  }
  return null;
}

/** Joins the listener URLs of `balancers` (the CLI's field) or takes `balancer`, for the status line. */
function describeBalancers(record: Record<string, unknown>): string | null {
  if (typeof record.balancer === 'string') {
    return record.balancer;
  }
  const balancers = record.balancers;
  if (typeof balancers === 'object' && balancers !== null && !Array.isArray(balancers)) {
    const urls = Object.values(balancers).filter((value): value is string => typeof value === 'string');
    return urls.length > 0 ? urls.join(', ') : null;
  }
  return null;
}

/**
 * Reads a compare report. Each row needs `strategy`, `accepted` and `rejected`. The optional fields are
 * `label`, `balancerMode`, `requests`, `errors`, `servedBy`, `latencyMs: { median, p95 }` and `verdict`,
 * and any other field is ignored. Every problem is listed at once.
 */
export function parseCompareReport(raw: unknown): ParsedReport {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [{ path: '(root)', reason: 'expected-object' }] };
  }

  const record = raw as Record<string, unknown>;
  const lists = findRowLists(record);
  const rowCount = lists?.reduce((sum, list) => sum + list.rows.length, 0) ?? 0;
  if (lists === null || rowCount === 0 || rowCount > MAX_REPORT_ROWS) {
    return { ok: false, problems: [{ path: 'runs', reason: 'expected-rows' }] };
  }

  const problems: ReportProblem[] = [];
  const rows: CompareRow[] = [];
  for (const list of lists) {
    list.rows.forEach((item, index) => {
      const row = parseRow(item, `${list.path}[${index}]`, list.drill, problems);
      if (row) {
        rows.push(row);
      }
    });
  }

  if (problems.length > 0) {
    return { ok: false, problems };
  }

  return {
    ok: true,
    report: {
      balancer: describeBalancers(record),
      startedAt: typeof record.startedAt === 'string' ? record.startedAt : null,
      rows,
    },
  };
}

function parseRow(
  item: unknown,
  path: string,
  drill: string | null,
  problems: ReportProblem[],
): CompareRow | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    problems.push({ path, reason: 'expected-object' });
    return null;
  }

  const row = item as Record<string, unknown>;
  const before = problems.length;

  const strategy = readText(row.strategy, `${path}.strategy`, problems);
  const balancerMode =
    row.balancerMode === undefined || row.balancerMode === null
      ? null
      : readText(row.balancerMode, `${path}.balancerMode`, problems);
  const label = row.label === undefined ? strategy : readText(row.label, `${path}.label`, problems);
  const accepted = readCount(row.accepted, `${path}.accepted`, problems);
  const rejected = readCount(row.rejected, `${path}.rejected`, problems);
  const errors = row.errors === undefined ? 0 : readCount(row.errors, `${path}.errors`, problems);
  const requests =
    row.requests === undefined
      ? accepted + rejected + errors
      : readCount(row.requests, `${path}.requests`, problems);
  const servedBy = readServedBy(row.servedBy, `${path}.servedBy`, problems);
  const latencyMs = readLatency(row.latencyMs, `${path}.latencyMs`, problems);
  const verdict = typeof row.verdict === 'string' ? row.verdict : null;

  if (problems.length > before) {
    return null;
  }
  return {
    label,
    strategy,
    balancerMode,
    drill,
    requests,
    accepted,
    rejected,
    errors,
    servedBy,
    latencyMs,
    verdict,
  };
}

/** Names a row for the charts: its drill, its label and its balancer mode, as far as they are known. */
export function describeRow(row: CompareRow): string {
  const name = row.balancerMode === null ? row.label : `${row.label} · ${row.balancerMode}`;
  return row.drill === null ? name : `${row.drill}: ${name}`;
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
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ path, reason: 'expected-latency' });
    return null;
  }

  // `authlab compare` writes nulls when no request of the row got a response.
  const { median, p95 } = value as { median?: unknown; p95?: unknown };
  if (median === null && p95 === null) {
    return null;
  }
  const valid =
    typeof median === 'number' &&
    typeof p95 === 'number' &&
    Number.isFinite(median) &&
    Number.isFinite(p95) &&
    median >= 0 &&
    p95 >= 0;
  if (!valid) {
    problems.push({ path, reason: 'expected-latency' });
    return null;
  }
  return { median, p95 };
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
    label: strategy,
    strategy,
    balancerMode,
    drill: null,
    requests: tally.total,
    accepted: tally.accepted,
    rejected: tally.rejected,
    errors: tally.failed,
    servedBy,
    latencyMs:
      durationsMs.length === 0
        ? null
        : { median: computePercentile(durationsMs, 0.5), p95: computePercentile(durationsMs, 0.95) },
    verdict: null,
  };
}

/**
 * Writes a report in the shape of the CLI's document, one run per drill in the order of the rows, so a
 * downloaded file loads again. Its `kind` distinguishes the page's files from the CLI's.
 */
export function serializeCompareReport(report: CompareReport): string {
  const drills = [...new Set(report.rows.map((row) => row.drill))];
  const document = {
    kind: DASHBOARD_REPORT_KIND,
    startedAt: report.startedAt,
    balancer: report.balancer,
    runs: drills.map((drill) => ({
      drill,
      rows: report.rows.filter((row) => row.drill === drill).map(({ drill: _drill, ...row }) => row),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
