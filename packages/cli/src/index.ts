export {
  ARGUMENT_DEFAULTS,
  type ClusterArguments,
  type CommandName,
  type CompareArguments,
  type ParsedCommand,
  parseCommandLine,
  UsageError,
} from './arguments.js';
export {
  type CompareOptions,
  CompareRunError,
  type ComparisonReport,
  type RowProgress,
  runComparison,
} from './compare.js';
export { CookieJar } from './cookie-jar.js';
export { renderHelp } from './help.js';
export { runCli } from './main.js';
export { renderComparisonTable, type TableStyle } from './table.js';
export { buildProgressPrinter, type CliIo, supportsColor } from './terminal.js';
export {
  decideVerdict,
  type RequestRecord,
  type RowObservations,
  type RowOutcome,
  type RowSummary,
  type Strategy,
  summarizeRow,
  type VerdictInput,
} from './verdict.js';
