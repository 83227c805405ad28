import type { BenchRunResult, RowSummary } from '../bench-runner.js';
import type { BenchReport, SweepResult } from '../lab-bench.js';
import { evaluateTargets, RATIO_TARGETS } from '../targets.js';
import { formatBytes, formatCpu, formatInteger, formatMicros, formatRatio, formatSpread } from './format.js';
import { escapeXml, type LineSeries, renderLineChart, renderRangeBarChart } from './svg-chart.js';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: #006d2c; } .missed { color: #b30000; font-weight: 600; }
.note { color: #555; }
svg { max-width: 100%; height: auto; display: block; margin: 0.5rem 0 1.5rem; }
svg .title { font-weight: 600; font-size: 14px; } svg .tick, svg .legend { font-size: 11px; fill: #333; }
svg .axis { font-size: 12px; fill: #333; } svg .grid { stroke: #e5e5e5; }
`;

function cell(text: string, numeric = false): string {
  return `<td${numeric ? ' class="number"' : ''}>${escapeXml(text)}</td>`;
}

function renderRowTable(run: BenchRunResult): string {
  const header = [
    'row',
    'what it measures',
    'req/s (min-max)',
    '× baseline (min-max)',
    'p50',
    'p99',
    'CPU µs/req',
    'Redis cmd/req',
    'errors',
  ];
  const lines = run.rows.map((row) => {
    if (row.unavailable) {
      return `<tr>${cell(row.id)}${cell(row.description)}<td colspan="7" class="note">not measured: ${escapeXml(row.unavailable)}</td></tr>`;
    }
    const redis = row.countersPerRequest['redis commands'];
    return `<tr>${[
      cell(row.id),
      cell(row.description),
      cell(formatSpread(row.requestsPerSecond, formatInteger), true),
      cell(row.id === row.baselineId ? '1 (baseline)' : formatSpread(row.ratioToBaseline, formatRatio), true),
      cell(row.p50Micros ? formatMicros(row.p50Micros.median) : '-', true),
      cell(row.p99Micros ? formatMicros(row.p99Micros.median) : '-', true),
      cell(formatCpu(row.cpuMicrosPerRequest)),
      cell(redis ? redis.median.toFixed(2) : '-', true),
      cell(row.errors === 0 ? '0' : `${formatInteger(row.errors)} ${JSON.stringify(row.errorsByKind)}`, true),
    ].join('')}</tr>`;
  });
  return `<table><thead><tr>${header.map((name) => `<th>${escapeXml(name)}</th>`).join('')}</tr></thead><tbody>${lines.join('')}</tbody></table>`;
}

function measuredRows(run: BenchRunResult): RowSummary[] {
  return run.rows.filter((row) => !row.unavailable && row.ratioToBaseline);
}

function renderRatioChart(run: BenchRunResult): string {
  const bars = measuredRows(run).map((row) => {
    const target = row.path.startsWith('balancer') ? RATIO_TARGETS[row.strategy] : undefined;
    return {
      label: row.id,
      median: row.ratioToBaseline!.median,
      min: row.ratioToBaseline!.min,
      max: row.ratioToBaseline!.max,
      ...(target !== undefined ? { target } : {}),
    };
  });
  return renderRangeBarChart({
    title: 'Throughput over the baseline of the same path: median, min-max, target in red',
    valueLabel: 'ratio to the baseline measured in the same round',
    bars,
    reference: 1,
  });
}

function sweepSeries(sweep: SweepResult, pick: (row: RowSummary) => number | undefined): LineSeries[] {
  const ids = [
    ...new Set(
      sweep.points.flatMap((point) => point.run.rows.filter((row) => !row.unavailable).map((row) => row.id)),
    ),
  ];
  return ids.map((id) => ({
    name: id,
    values: sweep.points.map((point) => {
      const row = point.run.rows.find((candidate) => candidate.id === id);
      return row && !row.unavailable ? pick(row) : undefined;
    }),
  }));
}

function renderSweep(sweep: SweepResult, title: string): string {
  const xLabels = sweep.points.map((point) =>
    sweep.parameter === 'connections' ? String(point.value) : formatBytes(point.value),
  );
  const xLabel = sweep.parameter === 'connections' ? 'connections' : 'extra session data';
  return [
    renderLineChart({
      title: `${title}: requests per second (median)`,
      xLabel,
      yLabel: 'req/s',
      xLabels,
      series: sweepSeries(sweep, (row) => row.requestsPerSecond?.median),
    }),
    renderLineChart({
      title: `${title}: ratio to the baseline (median)`,
      xLabel,
      yLabel: 'ratio',
      xLabels,
      series: sweepSeries(sweep, (row) =>
        row.id === row.baselineId ? undefined : row.ratioToBaseline?.median,
      ),
    }),
    renderLineChart({
      title: `${title}: p99 latency in ms (median of rounds)`,
      xLabel,
      yLabel: 'ms',
      xLabels,
      series: sweepSeries(sweep, (row) => (row.p99Micros ? row.p99Micros.median / 1000 : undefined)),
    }),
  ].join('\n');
}

/** Renders the report as one self-contained HTML page with inline SVG charts; it loads nothing. */
export function renderHtmlReport(report: BenchReport): string {
  const { machine, main } = report;
  const verdicts = evaluateTargets(report);
  const verdictRows = verdicts
    .map(
      (verdict) =>
        `<tr>${cell(verdict.target)}${cell(`≥ ${formatRatio(verdict.required)}`, true)}${cell(verdict.measured === undefined ? 'not measured' : formatRatio(verdict.measured), true)}<td class="${verdict.met ? 'met' : 'missed'}">${verdict.met ? 'met' : 'not met'}</td></tr>`,
    )
    .join('');

  const sections = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>authlab bench ${escapeXml(report.startedAt)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    '<h1>authlab bench: what each strategy costs per request</h1>',
    `<p>${escapeXml(`${report.startedAt} to ${report.finishedAt}. ${main.rounds} rounds of ${main.durationMs / 1000} s per row after ${main.warmupMs / 1000} s of warm-up, ${main.connections} connections, rows interleaved.`)}</p>`,
    `<p>${escapeXml(`Machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.os}, Node.js ${machine.nodeVersion}, nginx ${machine.nginxVersion ?? 'not found'}, Redis ${machine.redisVersion ?? 'not found'}. Load average ${report.loadAverage.before.toFixed(2)} before and ${report.loadAverage.after.toFixed(2)} after.`)}</p>`,
    report.command ? `<p>Command: <code>${escapeXml(report.command)}</code></p>` : '',
    '<p class="note">Ratios compare rows measured in the same round, so they hold when other work shares the machine; absolute requests per second do not. CPU µs/req is the user plus system time of the named processes over every request of the row, read from /proc with 10 ms resolution.</p>',
    '<h2>Targets</h2>',
    verdicts.length > 0
      ? `<table><thead><tr><th>target</th><th>required</th><th>measured</th><th>verdict</th></tr></thead><tbody>${verdictRows}</tbody></table>`
      : '<p class="note">No row with a target was measured.</p>',
    '<h2>Cost per request</h2>',
    renderRatioChart(main),
    renderRowTable(main),
  ];

  if (report.concurrencySweep) {
    sections.push('<h2>Concurrency sweep</h2>', renderSweep(report.concurrencySweep, 'Concurrency sweep'));
  }
  if (report.sessionSizeSweep) {
    sections.push('<h2>Session-size sweep</h2>', renderSweep(report.sessionSizeSweep, 'Session-size sweep'));
  }
  if (report.login) {
    const { login } = report;
    sections.push(
      '<h2>Login and the password KDF</h2>',
      `<p>${escapeXml(`POST /auth/login: ${login.load.requestsPerSecond.toFixed(2)} logins/s with ${login.connections} connections (p50 ${formatMicros(login.load.latency.p50Micros)}, ${login.load.errors} errors). scrypt at N=2^${login.kdf.parameters.logN}, r=${login.kdf.parameters.r}, p=${login.kdf.parameters.p}: ${login.kdf.derivationsPerSecond.toFixed(2)} derivations/s with ${login.kdf.parallelism} at once, ${login.kdf.meanMs.toFixed(0)} ms each. Logins reach ${formatRatio(login.ratioToKdf)} of the KDF rate.`)}</p>`,
      login.basic
        ? `<p>${escapeXml(`GET /basic/me with Authorization: Basic checks the password on every request: ${login.basic.load.requestsPerSecond.toFixed(2)} requests/s (p50 ${formatMicros(login.basic.load.latency.p50Micros)}, ${login.basic.load.errors} errors), ${formatRatio(login.basic.ratioToKdf)} of the KDF rate.`)}</p>`
        : '',
    );
  }

  sections.push('</body></html>');
  return sections.filter((section) => section !== '').join('\n');
}
