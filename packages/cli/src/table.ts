import type { ComparisonReport } from './compare.js';
import type { RowSummary } from './verdict.js';

export interface TableStyle {
  /** Bold headings with ANSI escapes; only for a terminal that has not set NO_COLOR. */
  readonly color: boolean;
}

interface Column {
  readonly heading: string;
  readonly align: 'left' | 'right';
  readonly cell: (row: RowSummary) => string;
}

const COLUMNS: readonly Column[] = [
  { heading: 'strategy', align: 'left', cell: (row) => row.label },
  { heading: 'clients', align: 'right', cell: (row) => String(row.clients) },
  { heading: 'requests', align: 'right', cell: (row) => String(row.requests) },
  { heading: 'accepted', align: 'right', cell: (row) => String(row.accepted) },
  { heading: 'rejected', align: 'right', cell: (row) => String(row.rejected) },
  { heading: 'errors', align: 'right', cell: (row) => String(row.errors) },
  { heading: 'no cookie', align: 'right', cell: formatWithoutCookie },
  { heading: 'median ms', align: 'right', cell: (row) => formatMilliseconds(row.latencyMs.median) },
  { heading: 'p95 ms', align: 'right', cell: (row) => formatMilliseconds(row.latencyMs.p95) },
  { heading: 'served by (requests)', align: 'left', cell: (row) => formatCounts(row.servedBy) },
  { heading: 'signed in by (clients)', align: 'left', cell: (row) => formatCounts(row.createdBy) },
];

const GAP = '  ';

/** Renders the report as an aligned plain-text table followed by one verdict line per row. */
export function renderComparisonTable(report: ComparisonReport, style: TableStyle): string {
  const cells = report.rows.map((row) => COLUMNS.map((column) => column.cell(row)));
  const widths = COLUMNS.map((column, index) =>
    Math.max(column.heading.length, ...cells.map((rowCells) => rowCells[index]!.length)),
  );
  const bold = (text: string) => (style.color ? `\u001b[1m${text}\u001b[22m` : text);
  const formatLine = (values: readonly string[]) =>
    values
      .map((value, index) =>
        COLUMNS[index]!.align === 'right' ? value.padStart(widths[index]!) : value.padEnd(widths[index]!),
      )
      .join(GAP)
      .trimEnd();

  const replicaNote = report.replicaIds.length === 0 ? 'no replica answered' : report.replicaIds.join(', ');
  const lines = [
    `Balancer ${report.balancer}: ${report.clients} clients per strategy, ${report.requestsPerClient} requests each, replicas seen: ${replicaNote}.`,
    '',
    bold(formatLine(COLUMNS.map((column) => column.heading))),
    ...cells.map(formatLine),
    '',
    bold('Verdicts'),
  ];

  const labelWidth = Math.max(...report.rows.map((row) => row.label.length));
  for (const row of report.rows) {
    lines.push(`  ${row.label.padEnd(labelWidth)}  ${row.verdict}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Session requests sent without a session cookie: all of them without a jar, else after a deletion. */
function formatWithoutCookie(row: RowSummary): string {
  if (row.strategy === 'jwt') {
    return '-';
  }
  return String(row.cookieJar ? row.sentWithoutCookie : row.requests);
}

function formatMilliseconds(value: number | null): string {
  return value === null ? '-' : value.toFixed(1);
}

/** `api-1 60, api-2 60, api-3 60`, or `-` when empty. */
function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '-' : entries.map(([name, count]) => `${name} ${count}`).join(', ');
}
