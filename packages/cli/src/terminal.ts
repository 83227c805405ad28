import type { RowProgress } from './compare.js';

/** The streams and environment a command writes to, so that tests can capture them. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** Tells whether `stream` is a terminal that accepts ANSI styling (https://no-color.org). */
export function supportsColor(stream: CliIo['stdout'], env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/**
 * Builds the progress printer of `compare`. On a terminal it rewrites one line per row as requests complete.
 * Elsewhere it prints one line per finished row, so that logs stay readable.
 */
export function buildProgressPrinter(stream: CliIo['stderr']): (progress: RowProgress) => void {
  const isTerminal = stream.isTTY === true;
  return function printProgress(progress) {
    const line =
      `${progress.label}: ${progress.completedRequests}/${progress.totalRequests} requests, ` +
      `${progress.accepted} accepted, ${progress.rejected} rejected, ${progress.errors} errors`;
    if (isTerminal) {
      stream.write(`\r\u001b[2K${line}${progress.finished ? '\n' : ''}`);
    } else if (progress.finished) {
      stream.write(`${line}\n`);
    }
  };
}

/**
 * Resolves `stopRequested` on the first SIGINT or SIGTERM and calls `onForce` on the second, so a stuck stop
 * can still be interrupted. `dispose` removes the handlers.
 */
export function listenForStopSignals(onForce: (signal: NodeJS.Signals) => void): {
  readonly stopRequested: Promise<NodeJS.Signals>;
  readonly isStopRequested: () => boolean;
  dispose(): void;
} {
  let received = 0;
  let resolveStop: (signal: NodeJS.Signals) => void = () => undefined;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    resolveStop = resolve;
  });

  function handleSignal(signal: NodeJS.Signals): void {
    received += 1;
    if (received === 1) {
      resolveStop(signal);
    } else {
      onForce(signal);
    }
  }

  process.on('SIGINT', handleSignal);
  process.on('SIGTERM', handleSignal);
  return {
    stopRequested,
    isStopRequested: () => received > 0,
    dispose() {
      process.off('SIGINT', handleSignal);
      process.off('SIGTERM', handleSignal);
    },
  };
}
