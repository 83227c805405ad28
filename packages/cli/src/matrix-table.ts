import type { MatrixReport, MatrixRow, MatrixRun } from './matrix.js';

export interface MatrixTableStyle {
  /** Bold headings with ANSI escapes; only for a terminal that has not set NO_COLOR. */
  readonly color: boolean;
}

interface Column {
  readonly heading: string;
  readonly align: 'left' | 'right';
  readonly cell: (row: MatrixRow) => string;
}

const COLUMNS: readonly Column[] = [
  { heading: 'balancer mode', align: 'left', cell: (row) => row.balancerMode },
  { heading: 'strategy', align: 'left', cell: (row) => row.label },
  { heading: 'requests', align: 'right', cell: (row) => String(row.requests) },
  { heading: 'accepted', align: 'right', cell: (row) => String(row.accepted) },
  { heading: 'rejected', align: 'right', cell: (row) => String(row.rejected) },
  { heading: 'errors', align: 'right', cell: (row) => String(row.errors) },
  {
    heading: 'sessions lost',
    align: 'right',
    cell: (row) => (row.sessionsLost === null ? '-' : `${row.sessionsLost}/${row.sessionsValidBefore}`),
  },
  {
    heading: 'imbalance',
    align: 'right',
    cell: (row) => (row.imbalance === null ? '-' : row.imbalance.toFixed(2)),
  },
  { heading: 'served by (requests)', align: 'left', cell: (row) => formatCounts(row.servedBy) },
];

const GAP = '  ';

/** Renders every run of the report as an aligned table, each followed by one verdict line per row. */
export function renderMatrixTable(report: MatrixReport, style: MatrixTableStyle): string {
  const bold = (text: string) => (style.color ? `\u001b[1m${text}\u001b[22m` : text);
  const addressNote =
    report.sourceAddresses.kind === 'distinct-networks'
      ? 'each client from its own /24 network'
      : report.sourceAddresses.kind === 'same-nat'
        ? 'all clients from one address (--same-nat)'
        : `all clients from the default address: ${report.sourceAddresses.note}`;
  const lines = [
    `${report.clients} clients per strategy and balancer mode, ${report.requestsPerClient} requests each${report.runs.some((run) => run.drill) ? ' per drill phase' : ''}, ${addressNote}.`,
    `Replicas seen: ${report.replicaIds.join(', ') || 'none'}. Imbalance: busiest replica's share times the replica count (1 is even).`,
  ];
  for (const run of report.runs) {
    lines.push('', bold(describeRun(run)), ...renderRun(run, bold));
  }
  return `${lines.join('\n')}\n`;
}

function describeRun(run: MatrixRun): string {
  if (run.drill === null) {
    return 'Comparison: every strategy through every balancer mode, no fault';
  }
  const replica = run.drillReplica ? ` (replica ${run.drillReplica})` : '';
  return `Drill ${run.drill}${replica}: ${run.summary}`;
}

function renderRun(run: MatrixRun, bold: (text: string) => string): string[] {
  const cells = run.rows.map((row) => COLUMNS.map((column) => column.cell(row)));
  const widths = COLUMNS.map((column, index) =>
    Math.max(column.heading.length, ...cells.map((rowCells) => rowCells[index]!.length)),
  );
  const formatLine = (values: readonly string[]) =>
    values
      .map((value, index) =>
        COLUMNS[index]!.align === 'right' ? value.padStart(widths[index]!) : value.padEnd(widths[index]!),
      )
      .join(GAP)
      .trimEnd();

  const lines = [bold(formatLine(COLUMNS.map((column) => column.heading))), ...cells.map(formatLine)];
  for (const probe of run.loginProbes) {
    lines.push(
      `  login through ${probe.balancerMode} ${probe.phase} the fault: ${probe.status ?? 'no response'}${probe.code ? ` ${probe.code}` : ''}${probe.retryAfter ? `, Retry-After ${probe.retryAfter}` : ''}`,
    );
  }
  lines.push('', 'Verdicts');
  const names = run.rows.map((row) => `${row.balancerMode} ${row.label}`);
  const width = Math.max(...names.map((name) => name.length));
  run.rows.forEach((row, index) => {
    lines.push(`  ${names[index]!.padEnd(width)}  ${row.verdict}`);
  });
  return lines;
}

/** `api-1 60, api-2 60, api-3 60`, or `-` when empty. */
function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '-' : entries.map(([name, count]) => `${name} ${count}`).join(', ');
}
