import type { RowSummary } from './bench-runner.js';
import type { BenchReport } from './lab-bench.js';

/**
 * Required throughput through the balancer as a ratio to the no-authentication baseline through the same
 * nginx in the same run, by strategy. `jwt` is the HS256 row; `jwt-asymmetric` is the row of a cluster
 * whose tokens are signed with another algorithm (EdDSA with `authlab up --jwt-algorithm EdDSA`).
 */
export const RATIO_TARGETS: Readonly<Record<string, number>> = Object.freeze({
  jwt: 0.92,
  'session-memory': 0.85,
  'session-redis': 0.75,
  'cookie-session': 0.8,
  'jwt-asymmetric': 0.8,
});

/** Each lab strategy, sent straight to one replica, must serve this many times the peer app's throughput. */
export const PEER_THROUGHPUT_FACTOR = 2;

/** Password logins per second must reach this fraction of the KDF's own rate. */
export const LOGIN_TO_KDF_TARGET = 0.9;

/** The outcome of one target: what was required, what was measured, and whether it was met. */
export interface TargetVerdict {
  readonly target: string;
  readonly required: number;
  /** Median of the per-round measurements, or undefined when the row could not run. */
  readonly measured: number | undefined;
  readonly met: boolean;
}

function medianRatio(row: RowSummary | undefined): number | undefined {
  return row?.ratioToBaseline?.median;
}

/**
 * Peer row a lab strategy is compared with: the same strategy (the peer's HS256 `jwt` for
 * `jwt-asymmetric`), else the peer's server-side session.
 */
function findPeerRow(rows: readonly RowSummary[], strategy: string): RowSummary | undefined {
  const peerStrategy = strategy === 'jwt-asymmetric' ? 'jwt' : strategy;
  return (
    rows.find((row) => row.path === 'peer' && row.strategy === peerStrategy && !row.unavailable) ??
    rows.find((row) => row.path === 'peer' && row.strategy === 'session-redis' && !row.unavailable)
  );
}

/** Checks the report against every target that has a measured row. */
export function evaluateTargets(report: BenchReport): TargetVerdict[] {
  const rows = report.main.rows;
  const verdicts: TargetVerdict[] = [];

  for (const row of rows) {
    const required = RATIO_TARGETS[row.strategy];
    if (!row.path.startsWith('balancer') || required === undefined) {
      continue;
    }
    const measured = medianRatio(row);
    verdicts.push({
      target: `${row.strategy} through the balancer (${row.path}), ratio to its baseline`,
      required,
      measured,
      met: measured !== undefined && measured >= required,
    });
  }

  for (const row of rows) {
    if (row.path !== 'replica' || row.strategy === 'none' || row.unavailable || !row.requestsPerSecond) {
      continue;
    }
    const peer = findPeerRow(rows, row.strategy);
    if (!peer?.requestsPerSecond) {
      continue;
    }
    const measured = row.requestsPerSecond.median / peer.requestsPerSecond.median;
    verdicts.push({
      target: `${row.strategy} on one replica, throughput over the peer's ${peer.strategy}`,
      required: PEER_THROUGHPUT_FACTOR,
      measured,
      met: measured >= PEER_THROUGHPUT_FACTOR,
    });
  }

  if (report.login) {
    verdicts.push({
      target: 'password logins per second over the scrypt rate',
      required: LOGIN_TO_KDF_TARGET,
      measured: report.login.ratioToKdf,
      met: report.login.ratioToKdf >= LOGIN_TO_KDF_TARGET,
    });
  }
  return verdicts;
}
