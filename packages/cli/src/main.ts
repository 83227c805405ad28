import { ClusterStartError, MissingBinaryError } from '@authlab/cluster';
import { parseCommandLine, UsageError } from './arguments.js';
import { runBenchCommand } from './commands/bench.js';
import { runCompareCommand } from './commands/compare.js';
import { runDemoCommand } from './commands/demo.js';
import { runRotateKeysCommand } from './commands/rotate-keys.js';
import { runUpCommand } from './commands/up.js';
import { renderHelp } from './help.js';
import type { CliIo } from './terminal.js';

/** Runs the authlab command line `argv` (without node and the script) and returns the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let command: ReturnType<typeof parseCommandLine>;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) {
      throw error;
    }
    const helpHint = error.topic === undefined ? 'authlab --help' : `authlab ${error.topic} --help`;
    io.stderr.write(`authlab: ${error.message}. Run ${helpHint} for the options.\n`);
    return 2;
  }

  try {
    switch (command.name) {
      case 'help':
        io.stdout.write(renderHelp(command.topic));
        return 0;
      case 'up':
        return await runUpCommand(command.options, io);
      case 'compare':
        return await runCompareCommand(command.options, io);
      case 'drill':
        return await runCompareCommand(command.options, io, 'drill');
      case 'rotate-keys':
        return await runRotateKeysCommand(io);
      case 'demo':
        return await runDemoCommand(command.options, io);
      case 'bench':
        return await runBenchCommand(command.options, command.argv, io);
    }
  } catch (error) {
    // Start-up failures carry their own explanation and fix; a stack trace would only hide it.
    if (error instanceof ClusterStartError || error instanceof MissingBinaryError) {
      io.stderr.write(`authlab: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
