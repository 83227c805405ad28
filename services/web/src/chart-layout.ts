import { type CompareRow, describeRow } from './compare-report.js';
import { compareReplicaIds } from './tally.js';

/** One rectangle of a bar, in SVG user units, with the text that names its value. */
export interface BarSegment {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Stylesheet class that colors the segment, for example `outcome-accepted` or `replica-2`. */
  readonly className: string;
  /** Short text drawn inside the segment when it is wide enough, empty otherwise. */
  readonly inlineText: string;
  /** Full description for the `<title>` of the segment. */
  readonly title: string;
}

export interface BarRowLayout {
  readonly label: string;
  readonly labelX: number;
  readonly labelY: number;
  readonly segments: readonly BarSegment[];
  /** Text after the bar, for example `28 / 2 / 0`; readable without telling colors apart. */
  readonly summary: string;
  readonly summaryX: number;
  readonly summaryY: number;
}

export interface ChartLayout {
  readonly width: number;
  readonly height: number;
  readonly rows: readonly BarRowLayout[];
}

/** Widths below this put each row's label above its bar instead of beside it. */
export const NARROW_CHART_WIDTH = 520;

const BAR_HEIGHT = 22;
const ROW_GAP = 12;
const LABEL_LINE = 18;
const MIN_INLINE_TEXT_WIDTH = 26;

interface Frame {
  readonly barX: number;
  readonly barWidth: number;
  readonly rowHeight: number;
  readonly labelAbove: boolean;
  readonly summaryWidth: number;
}

function buildFrame(width: number, summaryWidth: number): Frame {
  const labelAbove = width < NARROW_CHART_WIDTH;
  const labelWidth = labelAbove ? 0 : Math.min(200, Math.round(width * 0.3));
  const barX = labelAbove ? 0 : labelWidth + 8;
  return {
    barX,
    barWidth: Math.max(40, width - barX - summaryWidth - 8),
    rowHeight: BAR_HEIGHT + ROW_GAP + (labelAbove ? LABEL_LINE : 0),
    labelAbove,
    summaryWidth,
  };
}

function placeRow(frame: Frame, index: number): { labelX: number; labelY: number; barY: number } {
  const top = index * frame.rowHeight;
  if (frame.labelAbove) {
    return { labelX: 0, labelY: top + 13, barY: top + LABEL_LINE };
  }
  return { labelX: 0, labelY: top + BAR_HEIGHT / 2 + 5, barY: top };
}

/** Words the outcome chart writes in segment titles, in the page's language. */
export interface OutcomeWords {
  readonly accepted: string;
  readonly rejected: string;
  readonly failed: string;
}

/**
 * Lays out one stacked bar per row: accepted, rejected and failed requests as shares of the row's requests.
 * The summary repeats the counts as text, so the chart does not depend on color alone.
 */
export function layoutOutcomeChart(
  rows: readonly CompareRow[],
  width: number,
  words: OutcomeWords,
): ChartLayout {
  const frame = buildFrame(width, 96);

  const layoutRows = rows.map((row, index) => {
    const place = placeRow(frame, index);
    const total = Math.max(1, row.accepted + row.rejected + row.errors);
    const parts = [
      { className: 'outcome-accepted', value: row.accepted, word: words.accepted, mark: '✓' },
      { className: 'outcome-rejected', value: row.rejected, word: words.rejected, mark: '✕' },
      { className: 'outcome-failed', value: row.errors, word: words.failed, mark: '!' },
    ];

    let x = frame.barX;
    const segments: BarSegment[] = [];
    for (const part of parts) {
      if (part.value === 0) {
        continue;
      }
      const segmentWidth = (part.value / total) * frame.barWidth;
      segments.push({
        x,
        y: place.barY,
        width: segmentWidth,
        height: BAR_HEIGHT,
        className: part.className,
        inlineText: segmentWidth >= MIN_INLINE_TEXT_WIDTH ? `${part.mark}${part.value}` : '',
        title: `${describeRow(row)}: ${part.word} ${part.value} / ${total}`,
      });
      x += segmentWidth;
    }

    return {
      label: describeRow(row),
      labelX: place.labelX,
      labelY: place.labelY,
      segments,
      summary: `✓${row.accepted} ✕${row.rejected} !${row.errors}`,
      summaryX: frame.barX + frame.barWidth + 8,
      summaryY: place.barY + BAR_HEIGHT / 2 + 5,
    };
  });

  return { width, height: Math.max(frame.rowHeight, rows.length * frame.rowHeight), rows: layoutRows };
}

/**
 * Lays out one stacked bar per row with a segment per replica, sized by the responses it sent. A segment
 * shows the replica number, so two replicas with similar colors stay apart.
 */
export function layoutReplicaChart(
  rows: readonly CompareRow[],
  width: number,
  colorOf: (replica: string) => number | null,
  labelOf: (replica: string) => string,
): ChartLayout {
  const frame = buildFrame(width, 56);

  const layoutRows = rows.map((row, index) => {
    const place = placeRow(frame, index);
    const entries = Object.entries(row.servedBy)
      .filter(([, count]) => count > 0)
      .sort(([left], [right]) => compareReplicaIds(left, right));
    const total = entries.reduce((sum, [, count]) => sum + count, 0);

    let x = frame.barX;
    const segments: BarSegment[] = [];
    for (const [replica, count] of entries) {
      const segmentWidth = (count / total) * frame.barWidth;
      const color = colorOf(replica);
      segments.push({
        x,
        y: place.barY,
        width: segmentWidth,
        height: BAR_HEIGHT,
        className: color === null ? 'replica-unknown' : `replica-${color}`,
        inlineText: segmentWidth >= MIN_INLINE_TEXT_WIDTH ? labelOf(replica) : '',
        title: `${describeRow(row)}: ${replica} ${count} / ${total}`,
      });
      x += segmentWidth;
    }

    return {
      label: describeRow(row),
      labelX: place.labelX,
      labelY: place.labelY,
      segments,
      summary: String(entries.length),
      summaryX: frame.barX + frame.barWidth + 8,
      summaryY: place.barY + BAR_HEIGHT / 2 + 5,
    };
  });

  return { width, height: Math.max(frame.rowHeight, rows.length * frame.rowHeight), rows: layoutRows };
}

/**
 * Lays out the latency of each row as two thin bars, median above 95th percentile, on one scale shared by all
 * rows. Rows without latency get no bars.
 */
export function layoutLatencyChart(rows: readonly CompareRow[], width: number): ChartLayout {
  const frame = buildFrame(width, 110);
  const maxMs = Math.max(1, ...rows.map((row) => row.latencyMs?.p95 ?? 0));
  const half = BAR_HEIGHT / 2 - 1;

  const layoutRows = rows.map((row, index) => {
    const place = placeRow(frame, index);
    const segments: BarSegment[] = [];
    if (row.latencyMs) {
      const medianWidth = Math.max(1, (row.latencyMs.median / maxMs) * frame.barWidth);
      const p95Width = Math.max(1, (row.latencyMs.p95 / maxMs) * frame.barWidth);
      segments.push({
        x: frame.barX,
        y: place.barY,
        width: medianWidth,
        height: half,
        className: 'latency-median',
        inlineText: '',
        title: `${describeRow(row)}: median ${formatMs(row.latencyMs.median)}`,
      });
      segments.push({
        x: frame.barX,
        y: place.barY + half + 2,
        width: p95Width,
        height: half,
        className: 'latency-p95',
        inlineText: '',
        title: `${describeRow(row)}: p95 ${formatMs(row.latencyMs.p95)}`,
      });
    }

    return {
      label: describeRow(row),
      labelX: place.labelX,
      labelY: place.labelY,
      segments,
      summary: row.latencyMs ? `${formatMs(row.latencyMs.median)} / ${formatMs(row.latencyMs.p95)}` : '–',
      summaryX: frame.barX + frame.barWidth + 8,
      summaryY: place.barY + BAR_HEIGHT / 2 + 5,
    };
  });

  return { width, height: Math.max(frame.rowHeight, rows.length * frame.rowHeight), rows: layoutRows };
}

/** Formats milliseconds with one decimal below 10 ms and none above, as in `3.4 ms` and `120 ms`. */
export function formatMs(value: number): string {
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}
