import { createElement, requireElement } from '../dom.js';
import { callDrillApi, type DrillEntry, type DrillState } from '../drill-api.js';
import { isMessageKey, type MessageKey } from '../i18n/translate.js';
import type { PageState } from '../page-state.js';
import { type StatusMessage, showStatus, type Translator } from './translator.js';

/** Callbacks the panel needs from the rest of the page. */
export interface DrillPanelHooks {
  /**
   * Runs after a drill step succeeded, while the auto-burst box is checked. Returns whether it sent a
   * burst, which needs a signed-in strategy.
   */
  afterStep(): boolean;
  /** Runs when the active drill changes, so the page can qualify what it expects. */
  activeDrillChanged(): void;
  /** The replica that served the current sign-in, which the replica list selects until the user picks one. */
  signInReplica(): string | null;
}

/** Reads of the drill state while a step runs: one a second, for up to the longest step, a replica restart. */
const STATE_POLL_INTERVAL_MS = 1_000;
const MAX_STATE_POLLS = 60;

/** A status message kept with the drill's id, so a language switch translates the drill's name too. */
interface PanelMessage {
  readonly key: MessageKey;
  readonly tone: StatusMessage['tone'];
  readonly drill?: string;
  readonly replica?: string;
  readonly detail?: string;
}

/** Machine-readable state of the panel, on `#drill-status[data-state]` for scripts and the browser tests. */
type PanelState = 'loading' | 'unavailable' | 'idle' | 'running' | 'active' | 'failed';

/**
 * Wires the drill panel. It stays hidden until `config.json` names a drill API, so the page never offers a
 * button that cannot work. The API keeps the drill state, so a reload shows a drill that is still active.
 */
export function mountDrillPanel(
  state: PageState,
  t: Translator,
  hooks: DrillPanelHooks,
): { render(): void; activeDrillLabel(): string | null; clearNote(): void } {
  const panel = requireElement('drill-panel', HTMLElement);
  const replicaSelect = requireElement('drill-replica', HTMLSelectElement);
  const list = requireElement('drill-list', HTMLUListElement);
  const recoverButton = requireElement('drill-recover', HTMLButtonElement);
  const autoBurst = requireElement('drill-auto-burst', HTMLInputElement);
  const status = requireElement('drill-status', HTMLParagraphElement);
  const note = requireElement('drill-note', HTMLParagraphElement);

  let drillState: DrillState | null = null;
  let panelState: PanelState = 'loading';
  let message: PanelMessage | null = null;
  let replicaPicked = false;
  let noBurstSent = false;
  let activeName: string | null = null;
  replicaSelect.addEventListener('change', function pickReplica() {
    replicaPicked = true;
  });

  /** Builds the status from a message, with the drill's name in the current language. */
  function translateMessage({ key, tone, drill, replica, detail }: PanelMessage): StatusMessage {
    const params: Record<string, string> = {};
    if (drill !== undefined) {
      params.drill = label(drill);
    }
    if (replica !== undefined) {
      params.replica = replica;
    }
    if (detail !== undefined) {
      params.detail = detail;
    }
    return { key, params, tone };
  }

  function label(drill: string): string {
    const key = `drill.${drill}`;
    return isMessageKey(key) ? t(key) : drill;
  }

  function about(drill: string): string {
    const key = `drill.${drill}.about`;
    return isMessageKey(key) ? t(key) : '';
  }

  /** Sets the status that matches the state the API returned after a step or a load. */
  function describeState(next: DrillState): void {
    drillState = next;
    if (next.running !== null) {
      panelState = 'running';
      const key = next.running.step === 'inject' ? 'drill.injecting' : 'drill.recovering';
      message = { key, drill: next.running.name, tone: 'info' };
    } else if (next.active !== null) {
      panelState = 'active';
      message =
        next.active.replica === null
          ? { key: 'drill.active', drill: next.active.name, tone: 'info' }
          : {
              key: 'drill.activeOnReplica',
              drill: next.active.name,
              replica: next.active.replica,
              tone: 'info',
            };
    } else {
      panelState = 'idle';
    }
  }

  /**
   * Reads the state from the API. While a step runs (one that a page before a reload started, for
   * example), it reads again every second, for as long as a step may take.
   */
  async function load(drillApiUrl: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_STATE_POLLS; attempt += 1) {
      const result = await callDrillApi(drillApiUrl, {});
      if (!result.ok) {
        panelState = 'unavailable';
        message = { key: 'drill.unavailable', detail: result.detail, tone: 'error' };
        render();
        return;
      }
      describeState(result.state);
      message = panelState === 'idle' ? null : message;
      render();
      if (result.state.running === null) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, STATE_POLL_INTERVAL_MS));
    }
  }

  async function runStep(drillApiUrl: string, drill: DrillEntry, step: 'inject' | 'recover'): Promise<void> {
    const replica = step === 'recover' ? (drillState?.active?.replica ?? null) : replicaSelect.value;
    noBurstSent = false;
    panelState = 'running';
    message = {
      key: step === 'inject' ? 'drill.injecting' : 'drill.recovering',
      drill: drill.name,
      tone: 'info',
    };
    render();

    const result = await callDrillApi(drillApiUrl, {
      drill: drill.name,
      step,
      replica: drill.actsOnReplica ? replica : null,
    });
    if (!result.ok) {
      panelState = 'failed';
      message = {
        key: 'drill.failed',
        drill: drill.name,
        detail: result.detail,
        tone: 'error',
      };
      // The API may have changed its state before the step failed, for example a drill left active.
      const refreshed = await callDrillApi(drillApiUrl, {});
      if (refreshed.ok) {
        drillState = refreshed.state;
      }
      render();
      focusAfterStep(drill);
      return;
    }

    describeState(result.state);
    if (step === 'recover') {
      message = { key: 'drill.recovered', drill: drill.name, tone: 'success' };
    } else if (!drill.recoverable) {
      message = {
        key: 'drill.done',
        drill: drill.name,
        replica: replica ?? '',
        tone: 'success',
      };
    }
    if (autoBurst.checked) {
      noBurstSent = !hooks.afterStep();
    }
    render();
    focusAfterStep(drill);
  }

  /** Puts the focus where the next step starts: on Recover while a drill is active, else on the drill. */
  function focusAfterStep(drill: DrillEntry): void {
    if (!recoverButton.hidden) {
      recoverButton.focus();
      return;
    }
    list.querySelector<HTMLButtonElement>(`button[data-drill="${drill.name}"]`)?.focus();
  }

  function renderReplicas(next: DrillState): void {
    // The active drill's replica first, then the user's pick, then the replica of the sign-in.
    const selected =
      next.active?.replica ??
      (replicaPicked ? replicaSelect.value : hooks.signInReplica()) ??
      replicaSelect.value;
    replicaSelect.replaceChildren(
      ...next.replicas.map((replica) =>
        createElement('option', { text: replica, attributes: { value: replica } }),
      ),
    );
    replicaSelect.value = next.replicas.includes(selected) ? selected : (next.replicas[0] ?? '');
  }

  function render(): void {
    const drillApiUrl = state.config.drillApiUrl;
    panel.hidden = drillApiUrl === null;
    if (drillApiUrl === null) {
      return;
    }

    const busy = panelState === 'running' || panelState === 'loading';
    const active = drillState?.active ?? null;
    // The list is rebuilt below, so a focused drill button gets the focus back on its new element.
    const focusedDrill =
      document.activeElement instanceof HTMLButtonElement && list.contains(document.activeElement)
        ? document.activeElement.dataset.drill
        : undefined;
    if (drillState !== null) {
      renderReplicas(drillState);
    }
    replicaSelect.disabled = busy || active !== null || drillState === null;

    list.replaceChildren(
      ...(drillState?.drills ?? []).map((drill) => {
        const button = createElement('button', { text: label(drill.name), attributes: { type: 'button' } });
        button.dataset.drill = drill.name;
        button.disabled = busy || active !== null;
        button.addEventListener('click', function clickDrill() {
          void runStep(drillApiUrl, drill, 'inject');
        });
        const item = createElement('li', {}, [
          button,
          createElement('code', { className: 'drill-id', text: drill.name }),
          createElement('p', { className: 'hint', text: about(drill.name) }),
        ]);
        if (active?.name === drill.name) {
          item.dataset.active = 'true';
        }
        return item;
      }),
    );

    const activeDrill = drillState?.drills.find((drill) => drill.name === active?.name);
    recoverButton.hidden = activeDrill === undefined;
    recoverButton.disabled = busy;
    recoverButton.textContent = activeDrill ? t('drill.recover', { drill: label(activeDrill.name) }) : '';
    recoverButton.onclick = activeDrill
      ? () => {
          void runStep(drillApiUrl, activeDrill, 'recover');
        }
      : null;

    if (focusedDrill !== undefined) {
      list.querySelector<HTMLButtonElement>(`button[data-drill="${focusedDrill}"]`)?.focus();
    }

    showStatus(status, message === null ? null : translateMessage(message), t);
    status.dataset.state = panelState;
    status.dataset.active = active?.name ?? '';
    note.hidden = !noBurstSent;
    note.textContent = noBurstSent ? t('drill.noBurst') : '';

    if ((active?.name ?? null) !== activeName) {
      activeName = active?.name ?? null;
      hooks.activeDrillChanged();
    }
  }

  /** Returns the translated name of the active drill, or null while none is active. */
  function activeDrillLabel(): string | null {
    return activeName === null ? null : label(activeName);
  }

  if (state.config.drillApiUrl !== null) {
    void load(state.config.drillApiUrl);
  }

  return {
    render,
    activeDrillLabel,
    clearNote() {
      noBurstSent = false;
    },
  };
}
