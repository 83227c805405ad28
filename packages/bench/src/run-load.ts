import { Worker } from 'node:worker_threads';
import { type LoadOptions, type LoadResult, resolveLoadOptions } from './load-options.js';

/** Extra time a worker gets beyond warm-up, duration and drain before it is stopped as hung. */
const WORKER_GRACE_MS = 10_000;

/**
 * Location of the compiled worker. The path climbs out of the folder of this module and back into `dist`,
 * so it resolves the same from `dist/run-load.js` and from `src/run-load.ts` under vitest. Both need the
 * package to be built first.
 */
const WORKER_URL = new URL('../dist/load-worker.js', import.meta.url);

/**
 * Sends load to a loopback target from a worker thread and returns what it measured. The worker has its
 * own event loop, so timers and I/O of the caller (progress output, CPU sampling) do not delay responses.
 * Rejects with a `NonLoopbackTargetError` or a `RangeError` before starting anything when the options are
 * invalid.
 */
export function runLoad(
  options: Pick<LoadOptions, 'url' | 'requests'> & Partial<LoadOptions>,
): Promise<LoadResult> {
  let resolved: LoadOptions;
  try {
    resolved = resolveLoadOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }

  const limitMs = resolved.warmupMs + resolved.durationMs + resolved.timeoutMs + WORKER_GRACE_MS;
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: resolved });
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(watchdog);
      action();
    };

    const watchdog = setTimeout(() => {
      settle(() => reject(new Error(`load worker did not finish within ${limitMs} ms and was stopped`)));
      void worker.terminate();
    }, limitMs);

    worker.once('message', (result: LoadResult) => settle(() => resolve(result)));
    worker.once('error', (error) => settle(() => reject(error)));
    worker.once('exit', (code) =>
      settle(() => reject(new Error(`load worker exited with code ${code} before reporting a result`))),
    );
  });
}
