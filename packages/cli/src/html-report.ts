import type { MatrixReport, MatrixRow, MatrixRun } from './matrix.js';

/** Colours of the replicas' bars, in replica order; the palette repeats after eight replicas. */
const REPLICA_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#ff9da7',
  '#9c755f',
];
const OUTCOME_COLOURS = Object.freeze({ accepted: '#59a14f', rejected: '#f28e2b', errors: '#e15759' });

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #222; max-width: 1200px; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; } h3 { font-size: 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.unexpected { color: #b00020; font-weight: 600; }
.legend span { display: inline-block; margin-right: 1rem; }
.legend i { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: -0.1rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.chart { border: 1px solid #eee; padding: 0.4rem; }
.note { color: #555; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
`;

/**
 * Renders the report as one HTML document with inline CSS and inline SVG charts, so that it opens offline
 * and can be mailed as one file. Each run gets its table with verdicts and the requests each replica
 * served per row. A drill also gets the outcomes of each row over time, with the fault's start and end
 * marked.
 */
export function renderHtmlReport(report: MatrixReport): string {
  const replicaIds = report.replicaIds;
  const body = [
    `<h1>authlab compare, ${escapeHtml(report.startedAt)}</h1>`,
    `<p>${report.clients} clients per strategy and balancer mode, ${report.requestsPerClient} requests each (per phase in a drill). ` +
      `Source addresses: ${escapeHtml(describeAddresses(report))}. Replicas seen: ${escapeHtml(replicaIds.join(', ') || 'none')}. ` +
      `Redis persistence: ${report.redisPersistent === null ? 'unknown' : report.redisPersistent ? 'on' : 'off'}. Run time ${(report.durationMs / 1000).toFixed(1)} s.</p>`,
    `<p class="note">Listeners: ${Object.entries(report.balancers)
      .map(([mode, url]) => `${escapeHtml(mode)} ${escapeHtml(String(url))}`)
      .join(', ')}.</p>`,
    renderLegend(
      'Replicas',
      replicaIds.map((id, index) => [id, replicaColour(index)]),
    ),
    ...report.runs.map((run) => renderRun(run, replicaIds)),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>authlab compare report</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}

function describeAddresses(report: MatrixReport): string {
  switch (report.sourceAddresses.kind) {
    case 'distinct-networks':
      return 'one /24 network per client';
    case 'same-nat':
      return 'one address for every client (same NAT)';
    case 'unavailable':
      return `the default address for every client: ${report.sourceAddresses.note ?? ''}`;
  }
}

function renderRun(run: MatrixRun, replicaIds: readonly string[]): string {
  const title =
    run.drill === null
      ? 'Comparison without a fault'
      : `Drill ${run.drill}${run.drillReplica ? ` on ${run.drillReplica}` : ''}: ${run.summary}`;
  const parts = [`<h2>${escapeHtml(title)}</h2>`, renderTable(run)];
  if (run.loginProbes.length > 0) {
    parts.push(
      `<p>Logins through the balancer: ${run.loginProbes
        .map(
          (probe) =>
            `${escapeHtml(probe.balancerMode)} ${escapeHtml(probe.phase)}: ${probe.status ?? 'no response'}${probe.code ? ` ${escapeHtml(probe.code)}` : ''}`,
        )
        .join('; ')}</p>`,
    );
  }
  parts.push('<h3>Requests per replica</h3>', renderReplicaBars(run.rows, replicaIds));
  if (run.drill !== null) {
    parts.push(
      '<h3>Outcomes over time</h3>',
      renderLegend('Outcomes', [
        ['accepted', OUTCOME_COLOURS.accepted],
        ['rejected', OUTCOME_COLOURS.rejected],
        ['errors', OUTCOME_COLOURS.errors],
      ]),
      `<p class="note">Dashed lines: the fault starts and ends. Each column is ${run.bucketMs} ms.</p>`,
      `<div class="charts">${run.rows.map((row) => renderTimeline(row, run)).join('')}</div>`,
    );
  }
  return parts.join('\n');
}

function renderTable(run: MatrixRun): string {
  const header =
    '<tr><th>balancer mode</th><th>strategy</th><th>requests</th><th>accepted</th><th>rejected</th><th>errors</th><th>sessions lost</th><th>imbalance</th><th>verdict</th></tr>';
  const rows = run.rows.map((row) => {
    const lost = row.sessionsLost === null ? '-' : `${row.sessionsLost} of ${row.sessionsValidBefore}`;
    const verdictClass = row.asExpected === false ? ' class="unexpected"' : '';
    return (
      `<tr><td>${escapeHtml(row.balancerMode)}</td><td>${escapeHtml(row.label)}</td>` +
      `<td class="number">${row.requests}</td><td class="number">${row.accepted}</td>` +
      `<td class="number">${row.rejected}</td><td class="number">${row.errors}</td>` +
      `<td class="number">${lost}</td><td class="number">${row.imbalance === null ? '-' : row.imbalance.toFixed(2)}</td>` +
      `<td${verdictClass}>${escapeHtml(row.verdict)}</td></tr>`
    );
  });
  return `<table>${header}${rows.join('')}</table>`;
}

/** Draws one horizontal bar per row, split by the replicas that served its requests. */
function renderReplicaBars(rows: readonly MatrixRow[], replicaIds: readonly string[]): string {
  const labelWidth = 230;
  const barWidth = 520;
  const rowHeight = 18;
  const height = rows.length * rowHeight + 10;
  const bars = rows.map((row, index) => {
    const y = 5 + index * rowHeight;
    const total = Object.values(row.servedBy).reduce((sum, count) => sum + count, 0);
    let x = labelWidth;
    const segments = Object.entries(row.servedBy).map(([replica, count]) => {
      const width = total === 0 ? 0 : (count / total) * barWidth;
      const colour = replicaColour(Math.max(0, replicaIds.indexOf(replica)));
      const segment = `<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${rowHeight - 4}" fill="${colour}"><title>${escapeHtml(`${replica}: ${count} requests`)}</title></rect>`;
      x += width;
      return segment;
    });
    return (
      `<text x="0" y="${y + rowHeight - 7}">${escapeHtml(`${row.balancerMode} · ${row.label}`)}</text>` +
      segments.join('') +
      `<text x="${labelWidth + barWidth + 6}" y="${y + rowHeight - 7}">${total}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 60}" height="${height}" role="img" aria-label="Requests per replica">${bars.join('')}</svg>`;
}

/** Stacked columns of accepted, rejected and failed requests per time slice, with the drill steps marked. */
function renderTimeline(row: MatrixRow, run: MatrixRun): string {
  const width = 260;
  const height = 90;
  const top = 16;
  const buckets = row.outcomesOverTime;
  const maxCount = Math.max(1, ...buckets.map((bucket) => bucket.accepted + bucket.rejected + bucket.errors));
  const columnWidth = width / Math.max(1, buckets.length);
  const plotHeight = height - top;
  const scale = (count: number) => (count / maxCount) * plotHeight;

  const columns = buckets.map((bucket, index) => {
    const x = index * columnWidth;
    let y = height;
    const stack: string[] = [];
    for (const key of ['accepted', 'rejected', 'errors'] as const) {
      const h = scale(bucket[key]);
      if (h > 0) {
        y -= h;
        stack.push(
          `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, columnWidth - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${OUTCOME_COLOURS[key]}"><title>${escapeHtml(`${key}: ${bucket[key]}`)}</title></rect>`,
        );
      }
    }
    return stack.join('');
  });

  const firstMs = buckets[0]?.startMs ?? run.startedAtMs;
  const markers = run.steps.map((step) => {
    const x = ((step.atMs - firstMs) / run.bucketMs) * columnWidth;
    return `<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${height}" stroke="#333" stroke-dasharray="3 2"><title>${escapeHtml(step.action)}</title></line>`;
  });

  return (
    `<div class="chart"><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(`${row.balancerMode} ${row.label} over time`)}">` +
    `<text x="0" y="11">${escapeHtml(`${row.balancerMode} · ${row.label}`)}</text>${columns.join('')}${markers.join('')}</svg></div>`
  );
}

function renderLegend(title: string, entries: readonly (readonly [string, string])[]): string {
  const items = entries.map(
    ([name, colour]) => `<span><i style="background:${colour}"></i>${escapeHtml(name)}</span>`,
  );
  return `<p class="legend">${escapeHtml(title)}: ${items.join('')}</p>`;
}

function replicaColour(index: number): string {
  return REPLICA_COLOURS[index % REPLICA_COLOURS.length]!;
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
