import { DRILLS } from '../catalog.js';
import { createElement, requireElement } from '../dom.js';
import { REQUEST_TIMEOUT_MS } from '../exchange.js';
import { isMessageKey } from '../i18n/translate.js';
import type { PageState } from '../page-state.js';
import { type StatusMessage, showStatus, type Translator } from './translator.js';

/**
 * Wires the drill panel. It stays hidden until `config.json` names a drill API, so the page never offers a
 * button that cannot work.
 *
 * NOTE: no drill API exists yet. The panel assumes `POST {drillApiUrl}/drills/{drill}` returns 2xx once the
 * fault is injected; align this with the API when it lands.
 */
export function mountDrillPanel(state: PageState, t: Translator): { render(): void } {
  const panel = requireElement('drill-panel', HTMLElement);
  const buttons = requireElement('drill-buttons', HTMLDivElement);
  const status = requireElement('drill-status', HTMLParagraphElement);
  let message: StatusMessage | null = null;
  let running = false;

  function label(drill: string): string {
    const key = `drill.${drill}`;
    return isMessageKey(key) ? t(key) : drill;
  }

  async function startDrill(drillApiUrl: string, drill: string): Promise<void> {
    running = true;
    message = { key: 'drill.running', params: { drill: label(drill) }, tone: 'info' };
    render();

    try {
      const response = await fetch(`${drillApiUrl}/drills/${encodeURIComponent(drill)}`, {
        method: 'POST',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS * 4),
      });
      message = response.ok
        ? { key: 'drill.started', params: { drill: label(drill) }, tone: 'success' }
        : {
            key: 'drill.failed',
            params: { drill: label(drill), detail: String(response.status) },
            tone: 'error',
          };
    } catch {
      message = {
        key: 'drill.failed',
        params: { drill: label(drill), detail: t('cell.noResponse') },
        tone: 'error',
      };
    }

    running = false;
    render();
  }

  function render(): void {
    const drillApiUrl = state.config.drillApiUrl;
    panel.hidden = drillApiUrl === null;
    if (drillApiUrl === null) {
      return;
    }

    buttons.replaceChildren(
      ...DRILLS.map((drill) => {
        const button = createElement('button', { text: label(drill), attributes: { type: 'button' } });
        button.disabled = running;
        button.addEventListener('click', function clickDrill() {
          void startDrill(drillApiUrl, drill);
        });
        return button;
      }),
    );
    showStatus(status, message, t);
  }

  return { render };
}
