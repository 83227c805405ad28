import {
  type CompareReport,
  MAX_REPORT_BYTES,
  type ParsedReport,
  parseCompareReport,
  serializeCompareReport,
} from '../compare-report.js';
import { requireElement } from '../dom.js';
import { REQUEST_TIMEOUT_MS } from '../exchange.js';
import type { PageState } from '../page-state.js';
import { renderCompareCharts } from './compare-charts.js';
import { type StatusMessage, showStatus, type Translator } from './translator.js';

/** Source of the chart rows: this page's bursts, an opened file or a fetched URL. */
type ReportSource =
  | { readonly kind: 'page' }
  | { readonly kind: 'file'; readonly name: string; readonly report: CompareReport }
  | { readonly kind: 'url'; readonly url: string; readonly report: CompareReport };

export interface ComparePanel {
  /** Redraws the panel, for example after a language switch. */
  render(): void;
  /** Redraws the charts when they show this page's bursts and a burst has finished. */
  onPageRowsChanged(): void;
}

/** Wires the comparison panel: report file, report URL, this page's bursts, the download and the charts. */
export function mountComparePanel(state: PageState, t: Translator): ComparePanel {
  const fileInput = requireElement('report-file', HTMLInputElement);
  const fileName = requireElement('report-file-name', HTMLSpanElement);
  const urlForm = requireElement('report-url-form', HTMLFormElement);
  const urlInput = requireElement('report-url', HTMLInputElement);
  const showPageButton = requireElement('show-page-bursts', HTMLButtonElement);
  const downloadButton = requireElement('download-report', HTMLButtonElement);
  const status = requireElement('compare-status', HTMLParagraphElement);
  const charts = requireElement('compare-charts', HTMLDivElement);

  let source: ReportSource = { kind: 'page' };
  let problem: StatusMessage | null = null;
  let drawnWidth = 0;

  function pageReport(): CompareReport {
    return { balancer: null, startedAt: new Date().toISOString(), rows: [...state.pageRows.values()] };
  }

  function shownReport(): CompareReport {
    return source.kind === 'page' ? pageReport() : source.report;
  }

  function describeSource(): string {
    if (source.kind === 'file') {
      return t('compare.sourceFile', { name: source.name });
    }
    if (source.kind === 'url') {
      return t('compare.sourceUrl', { url: source.url });
    }
    return t('compare.sourcePage');
  }

  function render(): void {
    const report = shownReport();
    // The browser's own file button speaks the browser's language, so the page shows the name itself.
    const chosen = fileInput.files?.item(0);
    fileName.textContent = chosen ? chosen.name : t('compare.noFile');
    if (problem !== null) {
      showStatus(status, problem, t);
    } else if (report.rows.length > 0) {
      showStatus(
        status,
        {
          key: report.balancer === null ? 'compare.showing' : 'compare.showingMeasured',
          params: { rows: report.rows.length, source: describeSource(), balancer: report.balancer ?? '' },
          tone: 'info',
        },
        t,
      );
    } else {
      showStatus(status, null, t);
    }
    downloadButton.disabled = report.rows.length === 0;
    showPageButton.setAttribute('aria-pressed', String(source.kind === 'page'));
    drawnWidth = charts.clientWidth;
    renderCompareCharts(charts, report, t);
  }

  function showParsed(parsed: ParsedReport, next: (report: CompareReport) => ReportSource): void {
    if (parsed.ok) {
      source = next(parsed.report);
      problem = null;
    } else {
      const detail = parsed.problems
        .slice(0, 5)
        .map((item) =>
          t('compare.problem', { path: item.path, reason: t(`compare.reason.${item.reason}` as const) }),
        )
        .join('; ');
      problem = { key: 'compare.loadFailed', params: { detail }, tone: 'error' };
    }
    render();
  }

  function fail(detail: string): void {
    problem = { key: 'compare.loadFailed', params: { detail }, tone: 'error' };
    render();
  }

  function parseText(text: string): ParsedReport | null {
    try {
      return parseCompareReport(JSON.parse(text));
    } catch {
      return null;
    }
  }

  fileInput.addEventListener('change', async function openReportFile() {
    const file = fileInput.files?.item(0);
    if (!file) {
      return;
    }
    if (file.size > MAX_REPORT_BYTES) {
      fail(t('compare.tooLarge', { max: MAX_REPORT_BYTES }));
      return;
    }

    const parsed = parseText(await file.text());
    if (parsed === null) {
      fail(t('compare.notJson'));
      return;
    }
    showParsed(parsed, (report) => ({ kind: 'file', name: file.name, report }));
  });

  urlForm.addEventListener('submit', async function loadReportUrl(event) {
    event.preventDefault();
    let url: URL;
    try {
      url = new URL(urlInput.value.trim(), location.href);
    } catch {
      fail(t('compare.invalidUrl'));
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      fail(t('compare.invalidUrl'));
      return;
    }

    let text: string;
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        cache: 'no-store',
      });
      if (!response.ok) {
        fail(t('compare.httpStatus', { status: response.status }));
        return;
      }
      text = await response.text();
    } catch {
      fail(t('compare.unreachable'));
      return;
    }
    if (text.length > MAX_REPORT_BYTES) {
      fail(t('compare.tooLarge', { max: MAX_REPORT_BYTES }));
      return;
    }

    const parsed = parseText(text);
    if (parsed === null) {
      fail(t('compare.notJson'));
      return;
    }
    showParsed(parsed, (report) => ({ kind: 'url', url: url.href, report }));
  });

  showPageButton.addEventListener('click', function showPageBursts() {
    source = { kind: 'page' };
    problem = null;
    render();
  });

  downloadButton.addEventListener('click', function downloadReport() {
    const blob = new Blob([serializeCompareReport(shownReport())], { type: 'application/json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'authlab-compare-report.json';
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  });

  // The charts are laid out for the width they get, so they are drawn again when it changes.
  new ResizeObserver(function redrawOnResize() {
    if (Math.abs(charts.clientWidth - drawnWidth) >= 8) {
      render();
    }
  }).observe(charts);

  return {
    render,
    onPageRowsChanged() {
      if (source.kind === 'page') {
        problem = null;
        render();
      }
    },
  };
}
