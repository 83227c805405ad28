import type { LoadRequest } from './load-options.js';

/**
 * Route of a row's load: through nginx in `round-robin` mode, through nginx in `ip-hash` mode (for
 * `session-memory`, which needs a client kept on one replica), straight to one replica, or to the peer app.
 */
export type BenchPath = 'balancer' | 'balancer-ip-hash' | 'replica' | 'peer';

/** Requests a row sends, prepared before its load starts. */
export interface PreparedLoad {
  /** Connection `i` sends `requests[i % requests.length]`. */
  readonly requests: readonly LoadRequest[];
  /** Source addresses, connection `i` binding `localAddresses[i % localAddresses.length]`. */
  readonly localAddresses?: readonly string[];
  readonly expectedStatus?: number;
}

/** Load parameters a row prepares its requests for. */
export interface PrepareContext {
  readonly connections: number;
  /** Bytes of extra data to carry in the session or token, for the session-size sweep; 0 for the main table. */
  readonly sessionBytes: number;
}

/** One line of the cost table: a strategy reached one way, measured against the baseline of that way. */
export interface BenchRow {
  /** Stable id, for example `balancer/jwt`. */
  readonly id: string;
  readonly strategy: string;
  readonly path: BenchPath;
  /** Id of the no-authentication row on the same path; a baseline row names itself. */
  readonly baselineId: string;
  /** Origin the load goes to. */
  readonly url: string;
  /** One line on what the row measures, for the report. */
  readonly description: string;
  /** Whether the row can carry `sessionBytes` of extra data; rows without it stay out of the size sweep. */
  readonly supportsSessionBytes?: boolean;
  /** Logs in and returns the requests to send. Throws `RowUnavailableError` when the target lacks the route. */
  prepare(context: PrepareContext): Promise<PreparedLoad>;
  /** Processes whose CPU time the row is charged with, by group (for example `replicas`, `nginx`). */
  readonly cpuGroups?: () => Readonly<Record<string, readonly number[]>>;
}

/** Error raised by `prepare` when the target does not offer what the row measures, for example a route. */
export class RowUnavailableError extends Error {
  readonly code = 'BENCH_ROW_UNAVAILABLE';

  constructor(message: string) {
    super(message);
    this.name = 'RowUnavailableError';
  }
}
