import type { BenchRunResult, RowSummary } from '../bench-runner.js';
import type { BenchReport, SweepResult } from '../lab-bench.js';
import { evaluateTargets } from '../targets.js';
import { formatBytes, formatCpu, formatInteger, formatMicros, formatRatio, formatSpread } from './format.js';

type Cell = string;

/** Lays out rows of cells in columns padded to their widest cell; numeric columns align right. */
function renderColumns(
  header: readonly Cell[],
  rows: readonly (readonly Cell[])[],
  rightAligned: ReadonlySet<number>,
): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const renderRow = (row: readonly Cell[]) =>
    row
      .map((cell, column) =>
        rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [
    renderRow(header),
    renderRow(widths.map((width) => '-'.repeat(width))),
    ...rows.map(renderRow),
  ].join('\n');
}

function describeErrors(row: RowSummary): string {
  if (row.errors === 0) {
    return '0';
  }
  const kinds = Object.entries(row.errorsByKind)
    .map(([kind, count]) => `${kind}: ${formatInteger(count)}`)
    .join(', ');
  return `${formatInteger(row.errors)} (${kinds})`;
}

/** Renders the main table: one line per row, unavailable rows with their reason. */
export function renderRunTable(run: BenchRunResult): string {
  const header = [
    'row',
    'req/s (min-max)',
    'x baseline (min-max)',
    'p50',
    'p99',
    'CPU µs/req',
    'Redis cmd/req',
    'errors',
  ];
  const lines: Cell[][] = [];
  const notes: string[] = [];
  for (const row of run.rows) {
    if (row.unavailable) {
      notes.push(`  ${row.id}: not measured, ${row.unavailable}`);
      continue;
    }
    const redis = row.countersPerRequest['redis commands'];
    lines.push([
      row.id,
      formatSpread(row.requestsPerSecond, formatInteger),
      row.baselineId === row.id ? '1 (baseline)' : formatSpread(row.ratioToBaseline, formatRatio),
      row.p50Micros ? formatMicros(row.p50Micros.median) : '-',
      row.p99Micros ? formatMicros(row.p99Micros.median) : '-',
      formatCpu(row.cpuMicrosPerRequest),
      redis ? redis.median.toFixed(2) : '-',
      describeErrors(row),
    ]);
  }
  const table = renderColumns(header, lines, new Set([1, 3, 4, 6]));
  return notes.length > 0 ? `${table}\n${notes.join('\n')}` : table;
}

/** Renders a sweep as one table: one line per row id, one column per swept value (median req/s and ratio). */
export function renderSweepTable(sweep: SweepResult): string {
  const label = (value: number) => (sweep.parameter === 'connections' ? `${value} conn` : formatBytes(value));
  const header = ['row', ...sweep.points.map((point) => label(point.value))];
  const ids = [...new Set(sweep.points.flatMap((point) => point.run.rows.map((row) => row.id)))];
  const lines = ids.map((id) => [
    id,
    ...sweep.points.map((point) => {
      const row = point.run.rows.find((candidate) => candidate.id === id);
      if (!row?.requestsPerSecond) {
        return '-';
      }
      const ratio = row.id === row.baselineId ? '' : ` x${formatRatio(row.ratioToBaseline?.median ?? 0)}`;
      return `${formatInteger(row.requestsPerSecond.median)}${ratio}`;
    }),
  ]);
  return renderColumns(header, lines, new Set(sweep.points.map((_, index) => index + 1)));
}

/** Renders the whole report for a terminal. */
export function renderTerminalReport(report: BenchReport): string {
  const { machine, main } = report;
  const sections = [
    `authlab bench: ${main.rounds} rounds of ${main.durationMs / 1000} s per row after ${main.warmupMs / 1000} s warm-up, ${main.connections} connections`,
    `machine: ${machine.cores} cores, ${machine.cpuModel}, Node.js ${machine.nodeVersion}, nginx ${machine.nginxVersion ?? 'not found'}; load average ${report.loadAverage.before.toFixed(2)} before, ${report.loadAverage.after.toFixed(2)} after`,
    'Ratios compare rows measured in the same round; absolute numbers depend on what else the machine runs.',
    '',
    renderRunTable(main),
  ];

  if (report.concurrencySweep) {
    sections.push(
      '',
      'Concurrency sweep (median req/s, x ratio to the baseline):',
      renderSweepTable(report.concurrencySweep),
    );
  }
  if (report.sessionSizeSweep) {
    sections.push(
      '',
      'Session-size sweep (median req/s, x ratio to the baseline):',
      renderSweepTable(report.sessionSizeSweep),
    );
  }
  if (report.login) {
    const { login } = report;
    const { kdf } = login;
    sections.push(
      '',
      `Login: ${login.load.requestsPerSecond.toFixed(2)} logins/s with ${login.connections} connections ` +
        `(p50 ${formatMicros(login.load.latency.p50Micros)}, errors ${login.load.errors}); ` +
        `scrypt N=2^${kdf.parameters.logN} r=${kdf.parameters.r} p=${kdf.parameters.p} runs ` +
        `${kdf.derivationsPerSecond.toFixed(2)}/s on ${kdf.parallelism} threads (${kdf.meanMs.toFixed(0)} ms each): ` +
        `logins reach ${formatRatio(login.ratioToKdf)} of the KDF rate`,
    );
    if (login.basic) {
      sections.push(
        `Basic: ${login.basic.load.requestsPerSecond.toFixed(2)} requests/s on GET /basic/me ` +
          `(p50 ${formatMicros(login.basic.load.latency.p50Micros)}, errors ${login.basic.load.errors}): ` +
          `${formatRatio(login.basic.ratioToKdf)} of the KDF rate, because every request checks the password`,
      );
    }
  }
  const verdicts = evaluateTargets(report);
  if (verdicts.length > 0) {
    sections.push(
      '',
      'Targets:',
      renderColumns(
        ['target', 'required', 'measured', 'verdict'],
        verdicts.map((verdict) => [
          verdict.target,
          `>= ${formatRatio(verdict.required)}`,
          verdict.measured === undefined ? 'not measured' : formatRatio(verdict.measured),
          verdict.met ? 'met' : 'NOT MET',
        ]),
        new Set([1, 2]),
      ),
    );
  }
  return sections.join('\n');
}
