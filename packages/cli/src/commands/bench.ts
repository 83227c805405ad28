import { writeFile } from 'node:fs/promises';
import {
  type LabBenchProgress,
  renderHtmlReport,
  renderTerminalReport,
  runClusterBench,
} from '@authlab/bench';
import { DEMO_CREDENTIALS } from '@authlab/users';
import type { BenchArguments } from '../bench-arguments.js';
import type { CliIo } from '../terminal.js';

/** Writes one line per phase event to stderr, so the table on stdout stays clean. */
function buildBenchProgressPrinter(stream: CliIo['stderr']): (progress: LabBenchProgress) => void {
  return function printBenchProgress(progress) {
    if ('message' in progress) {
      stream.write(`bench ${progress.phase}: ${progress.message}\n`);
      return;
    }
    const { event } = progress;
    if (event.kind === 'row-start') {
      stream.write(
        `bench ${progress.phase}: round ${event.round + 1}/${event.rounds}, ${event.rowId} (${event.step}/${event.steps})\n`,
      );
    } else if (event.kind === 'row-prepare') {
      stream.write(`bench ${progress.phase}: preparing ${event.rowId}\n`);
    } else if (event.kind === 'warmup-pass') {
      stream.write(`bench ${progress.phase}: warming up ${event.rowId}\n`);
    } else if (event.kind === 'row-unavailable') {
      stream.write(`bench ${progress.phase}: ${event.rowId} is not measured: ${event.reason}\n`);
    }
  };
}

/** Runs `authlab bench` against a running cluster; returns the exit status. */
export async function runBenchCommand(
  options: BenchArguments,
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  const credentials = DEMO_CREDENTIALS[0]!;
  let report: Awaited<ReturnType<typeof runClusterBench>>;
  try {
    report = await runClusterBench({
      balancerUrl: options.url,
      ...(options.replicaUrls ? { replicaUrls: options.replicaUrls } : {}),
      ...(options.authUrl ? { authUrl: options.authUrl } : {}),
      ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
      ...(options.ipHashUrl ? { ipHashUrl: options.ipHashUrl } : {}),
      profile: options.quick ? 'quick' : 'full',
      mainOnly: options.mainOnly,
      ...(options.durationSeconds !== undefined ? { durationSeconds: options.durationSeconds } : {}),
      ...(options.rounds !== undefined ? { rounds: options.rounds } : {}),
      ...(options.connections !== undefined ? { connections: options.connections } : {}),
      credentials: { username: credentials.username, password: credentials.password },
      command: ['authlab', 'bench', ...argv].join(' '),
      onProgress: buildBenchProgressPrinter(io.stderr),
    });
  } catch (error) {
    io.stderr.write(`authlab bench: ${(error as Error).message}\n`);
    return 1;
  }

  if (options.htmlPath) {
    await writeFile(options.htmlPath, renderHtmlReport(report));
    io.stderr.write(`authlab bench: wrote the HTML report to ${options.htmlPath}\n`);
  }
  io.stdout.write(
    options.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderTerminalReport(report)}\n`,
  );
  return 0;
}
