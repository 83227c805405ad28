import {
  type ChartLayout,
  formatMs,
  layoutLatencyChart,
  layoutOutcomeChart,
  layoutReplicaChart,
} from '../chart-layout.js';
import { type CompareReport, type CompareRow, describeRow } from '../compare-report.js';
import { createElement, createSvgElement } from '../dom.js';
import { labelReplica, pickReplicaColor } from '../tally.js';
import type { Translator } from './translator.js';

/** Draws one chart layout as inline SVG: a label, a stacked bar and a text summary per row. */
function drawChart(layout: ChartLayout): SVGSVGElement {
  const svg = createSvgElement('svg', {
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    class: 'chart',
    'aria-hidden': 'true',
    focusable: 'false',
  });

  for (const row of layout.rows) {
    svg.append(createSvgElement('text', { x: row.labelX, y: row.labelY, class: 'chart-label' }, [row.label]));
    for (const segment of row.segments) {
      const group = createSvgElement('g', {}, [
        createSvgElement('title', {}, [segment.title]),
        createSvgElement('rect', {
          x: segment.x.toFixed(1),
          y: segment.y,
          width: Math.max(0, segment.width - 1).toFixed(1),
          height: segment.height,
          class: `chart-bar ${segment.className}`,
        }),
      ]);
      if (segment.inlineText !== '') {
        group.append(
          createSvgElement(
            'text',
            {
              x: (segment.x + segment.width / 2).toFixed(1),
              y: segment.y + segment.height / 2 + 4,
              class: 'chart-inline',
              'text-anchor': 'middle',
            },
            [segment.inlineText],
          ),
        );
      }
      svg.append(group);
    }
    svg.append(
      createSvgElement('text', { x: row.summaryX, y: row.summaryY, class: 'chart-summary' }, [row.summary]),
    );
  }

  return svg;
}

function buildFigure(caption: string, note: string | null, svg: SVGSVGElement | null): HTMLElement {
  const children: (Node | string)[] = [createElement('figcaption', { text: caption })];
  if (svg) {
    children.push(svg);
  }
  if (note) {
    children.push(createElement('p', { className: 'hint', text: note }));
  }
  return createElement('figure', { className: 'chart-figure' }, children);
}

/** Builds a table of the same numbers as the charts, which only screen readers announce. */
function buildDataTable(report: CompareReport, t: Translator): HTMLDivElement {
  const header = createElement('tr', {}, [
    createElement('th', {
      text: `${t('field.strategy')} · ${t('field.balancerMode')}`,
      attributes: { scope: 'col' },
    }),
    createElement('th', { text: t('counts.accepted'), attributes: { scope: 'col' } }),
    createElement('th', { text: t('counts.rejected'), attributes: { scope: 'col' } }),
    createElement('th', { text: t('counts.failed'), attributes: { scope: 'col' } }),
    createElement('th', { text: t('chart.replicas'), attributes: { scope: 'col' } }),
    createElement('th', { text: t('chart.latencyColumn'), attributes: { scope: 'col' } }),
  ]);

  const rows = report.rows.map((row) =>
    createElement('tr', {}, [
      createElement('th', { text: describeRow(row), attributes: { scope: 'row' } }),
      createElement('td', { text: String(row.accepted) }),
      createElement('td', { text: String(row.rejected) }),
      createElement('td', { text: String(row.errors) }),
      createElement('td', {
        text: Object.entries(row.servedBy)
          .map(([replica, count]) => `${replica} ${count}`)
          .join(', '),
      }),
      createElement('td', {
        text: row.latencyMs ? `${formatMs(row.latencyMs.median)} / ${formatMs(row.latencyMs.p95)}` : '—',
      }),
    ]),
  );

  // The class sits on a wrapper because a table ignores the width and overflow that hide it.
  const table = createElement('table', {}, [
    createElement('caption', { text: t('compare.heading') }),
    createElement('thead', {}, [header]),
    createElement('tbody', {}, rows),
  ]);
  return createElement('div', { className: 'visually-hidden' }, [table]);
}

/** Lists the one-line verdicts of `authlab compare`, which it writes in English. */
function buildVerdictList(rows: readonly CompareRow[], t: Translator): HTMLElement {
  const items = rows.map((row) =>
    createElement('li', {}, [createElement('strong', { text: `${describeRow(row)}: ` }), row.verdict ?? '']),
  );
  return createElement('section', { className: 'verdicts' }, [
    createElement('h3', { text: t('chart.verdicts') }),
    createElement('ul', { attributes: { lang: 'en' } }, items),
  ]);
}

/** Redraws the three charts of a report for the container's current width. */
export function renderCompareCharts(
  container: HTMLElement,
  report: CompareReport | null,
  t: Translator,
): void {
  if (report === null || report.rows.length === 0) {
    container.replaceChildren(createElement('p', { className: 'hint', text: t('compare.empty') }));
    return;
  }

  const width = Math.max(260, Math.floor(container.clientWidth || 600));
  const outcomes = layoutOutcomeChart(report.rows, width, {
    accepted: t('outcome.accepted'),
    rejected: t('outcome.rejected'),
    failed: t('outcome.failed'),
  });
  const hasReplicas = report.rows.some((row) => Object.keys(row.servedBy).length > 0);
  const replicas = layoutReplicaChart(report.rows, width, pickReplicaColor, labelReplica);
  const hasLatency = report.rows.some((row) => row.latencyMs !== null);

  const figures = [
    buildFigure(t('chart.outcomes'), t('chart.outcomes.summary'), drawChart(outcomes)),
    hasReplicas
      ? buildFigure(t('chart.replicas'), t('chart.replicas.summary'), drawChart(replicas))
      : buildFigure(t('chart.replicas'), t('chart.replicas.none'), null),
  ];
  if (hasLatency) {
    figures.push(buildFigure(t('chart.latency'), null, drawChart(layoutLatencyChart(report.rows, width))));
  }

  const verdicts = report.rows.filter((row) => row.verdict !== null);
  if (verdicts.length > 0) {
    figures.push(buildVerdictList(verdicts, t));
  }

  container.replaceChildren(...figures, buildDataTable(report, t));
}
