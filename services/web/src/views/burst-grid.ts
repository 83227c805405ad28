import { createElement } from '../dom.js';
import {
  labelReplica,
  pickReplicaColor,
  type RequestOutcome,
  type Tally,
  UNKNOWN_REPLICA,
} from '../tally.js';
import type { Translator } from './translator.js';

/** Describes one request of a burst in words, for screen readers and the tooltip. */
export function describeOutcome(number: number, outcome: RequestOutcome | null, t: Translator): string {
  if (outcome === null) {
    return t('cell.pending', { number });
  }

  const replica = outcome.replica ?? t('counts.unknownReplica');
  if (outcome.kind === 'accepted') {
    return t('cell.accepted', { number, replica, status: outcome.status ?? '' });
  }
  if (outcome.kind === 'rejected') {
    return t('cell.rejected', { number, replica, status: outcome.status ?? '', code: outcome.code ?? '' });
  }

  const detail =
    outcome.status === null ? t('cell.noResponse') : `${outcome.status} ${outcome.code ?? ''}`.trim();
  return t('cell.failed', { number, detail });
}

function colorClass(replica: string | null): string {
  const color = pickReplicaColor(replica);
  return color === null ? 'replica-unknown' : `replica-${color}`;
}

/** Builds the cell of one request: the replica number on its color, with ✕ for a rejection and ! for a failure. */
function buildCell(index: number, outcome: RequestOutcome | null, t: Translator): HTMLLIElement {
  const description = describeOutcome(index + 1, outcome, t);
  let className = 'cell pending';
  let mark = '';

  if (outcome?.kind === 'accepted') {
    className = `cell accepted ${colorClass(outcome.replica)}`;
    mark = labelReplica(outcome.replica);
  } else if (outcome?.kind === 'rejected') {
    className = `cell rejected ${colorClass(outcome.replica)}`;
    mark = `✕${labelReplica(outcome.replica)}`;
  } else if (outcome?.kind === 'failed') {
    className = 'cell failed';
    mark = outcome.replica === null ? '!' : `!${labelReplica(outcome.replica)}`;
  }

  return createElement('li', { className, attributes: { title: description, 'data-index': String(index) } }, [
    createElement('span', { text: mark, attributes: { 'aria-hidden': 'true' } }),
    createElement('span', { className: 'visually-hidden', text: description }),
  ]);
}

/** Draws every cell of a burst; pending requests are empty outlined cells. */
export function renderGrid(
  list: HTMLOListElement,
  cells: readonly (RequestOutcome | null)[],
  t: Translator,
): void {
  list.replaceChildren(...cells.map((outcome, index) => buildCell(index, outcome, t)));
}

/** Replaces one cell when its response arrives, so a running burst does not redraw the whole grid. */
export function updateGridCell(
  list: HTMLOListElement,
  index: number,
  outcome: RequestOutcome | null,
  t: Translator,
): void {
  const current = list.children.item(index);
  const cell = buildCell(index, outcome, t);
  if (current) {
    current.replaceWith(cell);
  } else {
    list.append(cell);
  }
}

/** Fills the per-replica table: a colored swatch with the replica number, then the counts. */
export function renderCounts(body: HTMLTableSectionElement, tally: Tally, t: Translator): void {
  if (tally.total === 0) {
    const empty = createElement('td', { text: t('counts.empty'), attributes: { colspan: '4' } });
    body.replaceChildren(createElement('tr', {}, [empty]));
    return;
  }

  const rows = tally.replicas.map((row) => {
    const known = row.replica !== UNKNOWN_REPLICA;
    const swatch = createElement('span', {
      className: `swatch ${known ? colorClass(row.replica) : 'replica-unknown'}`,
      text: labelReplica(known ? row.replica : null),
      attributes: { 'aria-hidden': 'true' },
    });
    const name = known ? row.replica : t('counts.unknownReplica');
    return createElement('tr', {}, [
      createElement('th', { attributes: { scope: 'row' } }, [swatch, ` ${name}`]),
      createElement('td', { className: 'number', text: String(row.accepted) }),
      createElement('td', { className: 'number', text: String(row.rejected) }),
      createElement('td', { className: 'number', text: String(row.failed) }),
    ]);
  });

  const total = createElement('tr', { className: 'total' }, [
    createElement('th', { text: t('counts.total'), attributes: { scope: 'row' } }),
    createElement('td', { className: 'number', text: String(tally.accepted) }),
    createElement('td', { className: 'number', text: String(tally.rejected) }),
    createElement('td', { className: 'number', text: String(tally.failed) }),
  ]);

  body.replaceChildren(...rows, total);
}
