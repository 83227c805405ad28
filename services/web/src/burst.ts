/** Limits of a burst. The page never sends more than `maxRequests` at one click. */
export const BURST_LIMITS = Object.freeze({
  minRequests: 1,
  maxRequests: 200,
  defaultRequests: 30,
  /** Requests in flight at once: enough to spread over replicas, few enough to watch the grid fill. */
  concurrency: 4,
});

/** Reads the burst size a person typed, clamped to the limits; anything that is not a whole number gives the default. */
export function readBurstSize(value: string): number {
  const trimmed = value.trim();
  if (!/^\d{1,6}$/.test(trimmed)) {
    return BURST_LIMITS.defaultRequests;
  }
  return Math.min(BURST_LIMITS.maxRequests, Math.max(BURST_LIMITS.minRequests, Number(trimmed)));
}

export interface BurstOptions<T> {
  readonly count: number;
  readonly concurrency: number;
  /** Sends request number `index` (0-based) and resolves with its result; it must not reject. */
  readonly send: (index: number) => Promise<T>;
  /** Called once per request, in the order the responses arrive. */
  readonly onResult: (index: number, result: T) => void;
  /** Stops starting new requests once aborted; requests already in flight still report. */
  readonly signal?: AbortSignal;
}

/**
 * Sends `count` requests with at most `concurrency` in flight and resolves with the results in request order.
 * Aborting leaves the requests that never started out of the result.
 */
export async function runBurst<T>(options: BurstOptions<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;

  async function work(): Promise<void> {
    while (next < options.count && options.signal?.aborted !== true) {
      const index = next;
      next += 1;
      const result = await options.send(index);
      results[index] = result;
      options.onResult(index, result);
    }
  }

  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, options.count)) }, () =>
    work(),
  );
  await Promise.all(workers);
  return results.filter((result) => result !== undefined);
}
