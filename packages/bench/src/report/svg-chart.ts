/** Colours for chart series, distinguishable in print and for common colour-vision deficiencies. */
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Rounds the axis maximum up to 1, 2 or 5 times a power of ten so the grid lines get round labels. */
function niceCeiling(value: number): number {
  if (value <= 0) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (value <= step * power) {
      return step * power;
    }
  }
  return 10 * power;
}

function formatTick(value: number): string {
  if (value >= 1000) {
    return `${Number((value / 1000).toFixed(2))}k`;
  }
  return Number(value.toFixed(2)).toString();
}

export interface LineSeries {
  readonly name: string;
  /** One value per x label; undefined leaves a gap. */
  readonly values: readonly (number | undefined)[];
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLabels: readonly string[];
  readonly series: readonly LineSeries[];
}

const LINE_LAYOUT = Object.freeze({ width: 720, height: 360, left: 64, right: 190, top: 36, bottom: 52 });

/** Renders a line chart with evenly spaced x positions (the swept values) as a standalone SVG element. */
export function renderLineChart(options: LineChartOptions): string {
  const { width, height, left, right, top, bottom } = LINE_LAYOUT;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const allValues = options.series.flatMap((series) =>
    series.values.filter((value): value is number => value !== undefined),
  );
  const yMax = niceCeiling(Math.max(0, ...allValues) * 1.05);
  const xStep = options.xLabels.length > 1 ? plotWidth / (options.xLabels.length - 1) : 0;
  const x = (index: number) => left + (options.xLabels.length > 1 ? index * xStep : plotWidth / 2);
  const y = (value: number) => top + plotHeight - (value / yMax) * plotHeight;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}">`,
    `<text x="${left}" y="20" class="title">${escapeXml(options.title)}</text>`,
  ];

  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (yMax * tick) / 4;
    parts.push(
      `<line x1="${left}" x2="${left + plotWidth}" y1="${y(value)}" y2="${y(value)}" class="grid"/>`,
      `<text x="${left - 6}" y="${y(value) + 4}" class="tick" text-anchor="end">${formatTick(value)}</text>`,
    );
  }
  options.xLabels.forEach((label, index) => {
    parts.push(
      `<text x="${x(index)}" y="${top + plotHeight + 18}" class="tick" text-anchor="middle">${escapeXml(label)}</text>`,
    );
  });
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${height - 8}" class="axis" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text x="14" y="${top + plotHeight / 2}" class="axis" text-anchor="middle" transform="rotate(-90 14 ${top + plotHeight / 2})">${escapeXml(options.yLabel)}</text>`,
  );

  options.series.forEach((series, seriesIndex) => {
    const colour = PALETTE[seriesIndex % PALETTE.length]!;
    const points = series.values
      .map((value, index) =>
        value === undefined ? undefined : `${x(index).toFixed(1)},${y(value).toFixed(1)}`,
      )
      .filter((point): point is string => point !== undefined);
    parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    series.values.forEach((value, index) => {
      if (value !== undefined) {
        parts.push(
          `<circle cx="${x(index).toFixed(1)}" cy="${y(value).toFixed(1)}" r="3" fill="${colour}"><title>${escapeXml(`${series.name}: ${formatTick(value)}`)}</title></circle>`,
        );
      }
    });
    const legendY = top + 14 + seriesIndex * 18;
    parts.push(
      `<line x1="${width - right + 16}" x2="${width - right + 36}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${width - right + 42}" y="${legendY}" class="legend">${escapeXml(series.name)}</text>`,
    );
  });

  parts.push('</svg>');
  return parts.join('\n');
}

export interface RangeBar {
  readonly label: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** A target drawn as a mark on the bar's line, for example the required ratio. */
  readonly target?: number;
}

export interface RangeBarChartOptions {
  readonly title: string;
  readonly valueLabel: string;
  readonly bars: readonly RangeBar[];
  /** A value marked by a vertical line across the chart, for example 1 for the baseline. */
  readonly reference?: number;
}

/** Renders horizontal bars for medians with min-max whiskers, one per row, as a standalone SVG element. */
export function renderRangeBarChart(options: RangeBarChartOptions): string {
  const width = 720;
  const left = 220;
  const right = 40;
  const top = 36;
  const barHeight = 22;
  const height = top + options.bars.length * barHeight + 44;
  const plotWidth = width - left - right;
  const xMax = niceCeiling(
    Math.max(options.reference ?? 0, ...options.bars.map((bar) => Math.max(bar.max, bar.target ?? 0))) * 1.05,
  );
  const x = (value: number) => left + (value / xMax) * plotWidth;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}">`,
    `<text x="8" y="20" class="title">${escapeXml(options.title)}</text>`,
  ];
  const plotBottom = top + options.bars.length * barHeight;
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (xMax * tick) / 4;
    parts.push(
      `<line x1="${x(value)}" x2="${x(value)}" y1="${top}" y2="${plotBottom}" class="grid"/>`,
      `<text x="${x(value)}" y="${plotBottom + 16}" class="tick" text-anchor="middle">${formatTick(value)}</text>`,
    );
  }
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${height - 8}" class="axis" text-anchor="middle">${escapeXml(options.valueLabel)}</text>`,
  );

  options.bars.forEach((bar, index) => {
    const yTop = top + index * barHeight + 4;
    const yMiddle = yTop + (barHeight - 8) / 2;
    parts.push(
      `<text x="${left - 8}" y="${yMiddle + 4}" class="tick" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${left}" y="${yTop}" width="${Math.max(0, x(bar.median) - left).toFixed(1)}" height="${barHeight - 8}" fill="${PALETTE[0]}" opacity="0.8"><title>${escapeXml(`${bar.label}: ${formatTick(bar.median)} (${formatTick(bar.min)}-${formatTick(bar.max)})`)}</title></rect>`,
      `<line x1="${x(bar.min).toFixed(1)}" x2="${x(bar.max).toFixed(1)}" y1="${yMiddle}" y2="${yMiddle}" stroke="#000" stroke-width="1.5"/>`,
    );
    if (bar.target !== undefined) {
      parts.push(
        `<line x1="${x(bar.target).toFixed(1)}" x2="${x(bar.target).toFixed(1)}" y1="${yTop - 2}" y2="${yTop + barHeight - 6}" stroke="${PALETTE[5]}" stroke-width="3"><title>target ${formatTick(bar.target)}</title></line>`,
      );
    }
  });
  if (options.reference !== undefined) {
    parts.push(
      `<line x1="${x(options.reference)}" x2="${x(options.reference)}" y1="${top - 4}" y2="${plotBottom}" stroke="#555" stroke-dasharray="4 3"/>`,
    );
  }

  parts.push('</svg>');
  return parts.join('\n');
}
