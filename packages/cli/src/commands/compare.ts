import type { CompareArguments } from '../arguments.js';
import { CompareRunError, runComparison } from '../compare.js';
import { renderComparisonTable } from '../table.js';
import { buildProgressPrinter, type CliIo, supportsColor } from '../terminal.js';

/** Runs `authlab compare` against a running balancer; returns the exit status. */
export async function runCompareCommand(
  options: CompareArguments & { readonly url: string; readonly json: boolean },
  io: CliIo,
): Promise<number> {
  try {
    const report = await runComparison({
      url: options.url,
      clients: options.clients,
      requestsPerClient: options.requests,
      onProgress: buildProgressPrinter(io.stderr),
    });

    if (options.json) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      io.stdout.write(renderComparisonTable(report, { color: supportsColor(io.stdout, io.env) }));
    }
    return 0;
  } catch (error) {
    if (error instanceof CompareRunError) {
      io.stderr.write(`authlab compare: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
