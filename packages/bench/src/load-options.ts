import type { HistogramSnapshot } from './histogram.js';
import { parseLoopbackTarget } from './loopback.js';

/** One request a connection sends again and again. */
export interface LoadRequest {
  readonly method: string;
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface LoadOptions {
  /** Origin of the target, for example `http://127.0.0.1:8080`. Only loopback addresses are accepted. */
  readonly url: string;
  /**
   * Requests to send. Connection `i` sends `requests[i % requests.length]`, so each connection can carry
   * its own credentials, for example its own session cookie.
   */
  readonly requests: readonly LoadRequest[];
  /**
   * Loopback source addresses: connection `i` binds `localAddresses[i % localAddresses.length]`, so a
   * balancer that hashes the client address (ip-hash) spreads the connections. The kernel picks when absent.
   */
  readonly localAddresses?: readonly string[];
  /** Open keep-alive connections, each with one request in flight at a time. */
  readonly connections: number;
  /** Length of the measured part of the run, after the warm-up. */
  readonly durationMs: number;
  /** The measured part also ends after this many requests have been sent. */
  readonly maxRequests: number;
  /** Time spent sending load before measuring starts; responses in it are not counted. */
  readonly warmupMs: number;
  /** A request without a complete response after this long counts as a timeout and its socket is closed. */
  readonly timeoutMs: number;
  /** Responses with another status count as errors. */
  readonly expectedStatus: number;
}

/** Defaults for the options a caller may leave out. */
export const LOAD_DEFAULTS = Object.freeze({
  connections: 50,
  durationMs: 5_000,
  maxRequests: 2_000_000,
  warmupMs: 1_000,
  timeoutMs: 10_000,
  expectedStatus: 200,
});

/** Limits that keep one run bounded whatever a caller passes. */
export const LOAD_LIMITS = Object.freeze({
  maxConnections: 1_000,
  maxDurationMs: 10 * 60_000,
  maxWarmupMs: 60_000,
  maxTimeoutMs: 60_000,
  maxRequests: 100_000_000,
});

export interface LatencySummary {
  readonly minMicros: number;
  readonly p50Micros: number;
  readonly p90Micros: number;
  readonly p99Micros: number;
  readonly maxMicros: number;
  readonly meanMicros: number;
}

export interface LoadResult {
  /** Responses with the expected status in the measured part. */
  readonly successes: number;
  /** Failed requests in the measured part: wrong status, socket errors and timeouts. */
  readonly errors: number;
  /** Failed requests by kind: `status 401`, `timeout`, `socket: ECONNRESET`. */
  readonly errorsByKind: Readonly<Record<string, number>>;
  /** Time from the start of the measured part to its last response. */
  readonly elapsedMs: number;
  /** Successful responses per second of `elapsedMs`. */
  readonly requestsPerSecond: number;
  /** Latency of the successful responses, from writing the request to reading the last body byte. */
  readonly latency: LatencySummary;
  readonly histogram: HistogramSnapshot;
  /** Connections opened again after the server closed one, for example after nginx's keepalive_requests. */
  readonly reconnects: number;
  /** Every request that got a response or failed, warm-up included: the divisor for CPU per request. */
  readonly allRequests: number;
  readonly stoppedBy: 'duration' | 'max-requests';
}

function requirePositiveInteger(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${value}`);
  }
}

function requireNonNegativeInteger(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer from 0 to ${max}, got ${value}`);
  }
}

/** Validates the options and fills in the defaults; throws before any socket is opened. */
export function resolveLoadOptions(
  options: Pick<LoadOptions, 'url' | 'requests'> & Partial<LoadOptions>,
): LoadOptions {
  const resolved: LoadOptions = { ...LOAD_DEFAULTS, ...options };

  parseLoopbackTarget(resolved.url);

  if (resolved.requests.length === 0) {
    throw new TypeError('requests must contain at least one request');
  }
  for (const request of resolved.requests) {
    if (!request.path.startsWith('/')) {
      throw new TypeError(`request path must start with "/", got ${JSON.stringify(request.path)}`);
    }
    if (!/^[A-Z]+$/.test(request.method)) {
      throw new TypeError(
        `request method must be an upper-case token, got ${JSON.stringify(request.method)}`,
      );
    }
  }

  for (const address of resolved.localAddresses ?? []) {
    if (parseLoopbackTarget(`http://${address}`).connectHost !== address || !address.startsWith('127.')) {
      throw new TypeError(
        `local address must be an IPv4 loopback address such as 127.0.20.1, got ${address}`,
      );
    }
  }

  requirePositiveInteger('connections', resolved.connections, LOAD_LIMITS.maxConnections);
  requirePositiveInteger('durationMs', resolved.durationMs, LOAD_LIMITS.maxDurationMs);
  requirePositiveInteger('maxRequests', resolved.maxRequests, LOAD_LIMITS.maxRequests);
  requireNonNegativeInteger('warmupMs', resolved.warmupMs, LOAD_LIMITS.maxWarmupMs);
  requirePositiveInteger('timeoutMs', resolved.timeoutMs, LOAD_LIMITS.maxTimeoutMs);
  requirePositiveInteger('expectedStatus', resolved.expectedStatus, 599);
  return Object.freeze(resolved);
}
