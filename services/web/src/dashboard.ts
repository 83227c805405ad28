import { BURST_LIMITS, readBurstSize, runBurst } from './burst.js';
import {
  BALANCER_MODES,
  type BalancerModeEntry,
  DEMO_USERS,
  findBalancerMode,
  findStrategy,
  predictOutcome,
  STRATEGIES,
  type StrategyEntry,
} from './catalog.js';
import { buildCompareRow } from './compare-report.js';
import { isSameSite, normalizeBaseUrl } from './dashboard-config.js';
import { requireElement } from './dom.js';
import { type Exchange, REQUEST_TIMEOUT_MS, readHeader, sendPlanned, summarizeExchange } from './exchange.js';
import {
  isMessageKey,
  LANGUAGE_STORAGE_KEY,
  LANGUAGES,
  type Language,
  type MessageKey,
  type MessageParams,
  translate,
} from './i18n/translate.js';
import { planLogin, planLogout, planMe, SIGNED_OUT, type SignInState } from './lab-requests.js';
import type { BurstRecord, PageState, SignInRecord } from './page-state.js';
import { tallyOutcomes } from './tally.js';
import { renderCounts, renderGrid, updateGridCell } from './views/burst-grid.js';
import { type ComparePanel, mountComparePanel } from './views/compare-panel.js';
import { renderDetails } from './views/details-panel.js';
import { mountDrillPanel } from './views/drill-panel.js';
import { type StatusMessage, showStatus, type Translator } from './views/translator.js';

const SIGNED_OUT_STATUS: StatusMessage = { key: 'status.signedOut', tone: 'info' };
const NOT_SIGNED_IN_STATUS: StatusMessage = { key: 'status.notSignedIn', tone: 'info' };

/** Finds the elements the dashboard reads and writes, once at startup. */
function findElements() {
  return {
    notices: requireElement('config-notices', HTMLDivElement),
    controls: requireElement('controls', HTMLFormElement),
    strategySelect: requireElement('strategy-select', HTMLSelectElement),
    strategyAbout: requireElement('strategy-about', HTMLParagraphElement),
    modeSelect: requireElement('mode-select', HTMLSelectElement),
    modeAbout: requireElement('mode-about', HTMLParagraphElement),
    balancerUrl: requireElement('balancer-url', HTMLInputElement),
    balancerUrlError: requireElement('balancer-url-error', HTMLParagraphElement),
    userSelect: requireElement('user-select', HTMLSelectElement),
    expectation: requireElement('expectation', HTMLParagraphElement),
    signInButton: requireElement('sign-in-button', HTMLButtonElement),
    signOutButton: requireElement('sign-out-button', HTMLButtonElement),
    signInStatus: requireElement('sign-in-status', HTMLParagraphElement),
    pageOrigin: requireElement('page-origin', HTMLElement),
    balancerOrigin: requireElement('balancer-origin', HTMLElement),
    originCors: requireElement('origin-cors', HTMLParagraphElement),
    originSite: requireElement('origin-site', HTMLParagraphElement),
    burstForm: requireElement('burst-form', HTMLFormElement),
    burstSize: requireElement('burst-size', HTMLInputElement),
    burstSizeHint: requireElement('burst-size-hint', HTMLParagraphElement),
    burstButton: requireElement('burst-button', HTMLButtonElement),
    stopButton: requireElement('stop-button', HTMLButtonElement),
    clearButton: requireElement('clear-button', HTMLButtonElement),
    burstStatus: requireElement('burst-status', HTMLParagraphElement),
    grid: requireElement('burst-grid', HTMLOListElement),
    countsBody: requireElement('counts-body', HTMLTableSectionElement),
    details: requireElement('details-content', HTMLDivElement),
  };
}

/** Saves the language choice. A browser that blocks storage keeps the choice until the page reloads. */
function saveLanguage(language: Language): void {
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // The user or a privacy mode can disable storage, and the switch still works until a reload.
  }
}

/** Wires the page to its state: fills the controls, listens to them and redraws what changed. */
export function mountDashboard(state: PageState): void {
  const elements = findElements();
  const t: Translator = (key: MessageKey, params?: MessageParams) => translate(state.language, key, params);
  let burstStatus: StatusMessage | null = null;
  // A burst sent while a sign-in is in flight would go out without the new cookie or token.
  let signingIn = false;
  let frameRequested = false;

  const comparePanel: ComparePanel = mountComparePanel(state, t);
  const drillPanel = mountDrillPanel(state, t, {
    afterStep() {
      // A burst shows the drill's effect only with a credential, so the page sends one only when signed in.
      if (!currentSignIn().signedIn) {
        return false;
      }
      if (state.burst?.running !== true) {
        void sendBurst();
      }
      return true;
    },
    activeDrillChanged() {
      renderSelections();
    },
    signInReplica() {
      const response = currentSignIn().exchange?.response;
      return response ? readHeader(response, 'x-served-by') : null;
    },
  });

  function currentStrategy(): StrategyEntry {
    return findStrategy(state.strategyId) ?? (STRATEGIES[0] as StrategyEntry);
  }

  function currentMode(): BalancerModeEntry {
    return findBalancerMode(state.balancerModeId) ?? (BALANCER_MODES[0] as BalancerModeEntry);
  }

  function currentBaseUrl(): string {
    const mode = currentMode();
    return state.balancerUrlOverrides.get(mode.id) ?? state.config.balancerUrls[mode.id] ?? '';
  }

  function currentSignIn(): SignInRecord {
    return (
      state.signIns.get(currentStrategy().id) ?? {
        signedIn: false,
        proof: SIGNED_OUT,
        exchange: null,
        status: NOT_SIGNED_IN_STATUS,
      }
    );
  }

  function translateOr(key: string, fallback: string, params?: MessageParams): string {
    return isMessageKey(key) ? t(key, params) : fallback;
  }

  // Drawing.

  function renderStaticText(): void {
    document.documentElement.lang = state.language;
    document.title = t('app.title');
    for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
      const key = element.dataset.i18n ?? '';
      element.textContent = translateOr(key, key);
    }
    for (const button of document.querySelectorAll<HTMLButtonElement>('[data-language]')) {
      button.setAttribute('aria-pressed', String(button.dataset.language === state.language));
    }
    elements.burstSizeHint.textContent = t('field.burstSize.hint', {
      min: BURST_LIMITS.minRequests,
      max: BURST_LIMITS.maxRequests,
      concurrency: BURST_LIMITS.concurrency,
    });
  }

  function renderNotices(): void {
    const lines = state.configNotices.map((notice) =>
      t('config.notice', { field: notice.field, reason: t(`config.reason.${notice.reason}`) }),
    );
    if (state.configUnreadable) {
      lines.unshift(t('config.unreadable'));
    }
    elements.notices.replaceChildren(
      ...lines.map((line) => {
        const paragraph = document.createElement('p');
        paragraph.textContent = line;
        return paragraph;
      }),
    );
    elements.notices.hidden = lines.length === 0;
  }

  function fillSelect(select: HTMLSelectElement, options: readonly { value: string; label: string }[]): void {
    // Options are updated in place, so a language switch keeps the selection and the focus.
    while (select.options.length > options.length) {
      select.remove(select.options.length - 1);
    }
    options.forEach((option, index) => {
      const element = select.options.item(index) ?? new Option();
      element.value = option.value;
      element.textContent = option.label;
      if (index >= select.options.length) {
        select.add(element);
      }
    });
  }

  function renderSelections(): void {
    fillSelect(
      elements.strategySelect,
      STRATEGIES.map((strategy) => ({
        value: strategy.id,
        label: translateOr(`strategy.${strategy.id}.name`, strategy.id),
      })),
    );
    fillSelect(
      elements.modeSelect,
      BALANCER_MODES.map((mode) => ({
        value: mode.id,
        label: translateOr(`mode.${mode.id}.name`, `${mode.id} (${mode.port})`, { port: portOf(mode) }),
      })),
    );
    fillSelect(
      elements.userSelect,
      DEMO_USERS.map((user) => ({ value: user.username, label: user.username })),
    );
    elements.strategySelect.value = currentStrategy().id;
    elements.modeSelect.value = currentMode().id;
    elements.userSelect.value = state.username;

    const strategy = currentStrategy();
    const mode = currentMode();
    elements.strategyAbout.textContent = translateOr(`strategy.${strategy.id}.about`, '');
    elements.modeAbout.textContent = translateOr(`mode.${mode.id}.about`, '');
    const activeDrill = drillPanel.activeDrillLabel();
    const expectation = t(`expect.${predictOutcome(strategy, mode)}`);
    elements.expectation.textContent =
      activeDrill === null ? expectation : t('expect.duringDrill', { expectation, drill: activeDrill });
  }

  function portOf(mode: BalancerModeEntry): string {
    const url = state.balancerUrlOverrides.get(mode.id) ?? state.config.balancerUrls[mode.id];
    return url ? new URL(url).port || String(mode.port) : String(mode.port);
  }

  function renderOrigins(): void {
    const baseUrl = currentBaseUrl();
    elements.pageOrigin.textContent = location.origin;
    elements.balancerOrigin.textContent = baseUrl;
    elements.originCors.textContent = baseUrl !== location.origin ? t('origin.crossOrigin') : '';

    const sameSite = baseUrl !== '' && isSameSite(location.href, baseUrl);
    const balancerHost = baseUrl === '' ? '' : new URL(baseUrl).hostname;
    elements.originSite.textContent = sameSite
      ? t('origin.sameSite')
      : t('origin.crossSite', { host: `${location.protocol}//${balancerHost}:${location.port}` });
    elements.originSite.dataset.tone = sameSite ? 'info' : 'error';
  }

  function renderSignInStatus(): void {
    const record = currentSignIn();
    showStatus(elements.signInStatus, record.status, t);
    if (record.keptAfterFailure === true) {
      elements.signInStatus.textContent += ` ${t('status.signInKept')}`;
    }
    elements.signOutButton.disabled = !record.signedIn;
  }

  function renderBurst(): void {
    const burst = state.burst;
    renderGrid(elements.grid, burst?.cells ?? [], t);
    elements.grid.setAttribute('aria-label', t('burst.gridLabel'));
    renderBurstProgress();
  }

  function renderBurstProgress(): void {
    const burst = state.burst;
    const outcomes = (burst?.cells ?? []).filter((cell) => cell !== null);
    const tally = tallyOutcomes(outcomes);
    renderCounts(elements.countsBody, tally, t);
    showStatus(elements.burstStatus, burstStatus ?? { key: 'burst.empty', tone: 'info' }, t);
    elements.burstButton.disabled = burst?.running === true || signingIn;
    elements.stopButton.disabled = burst?.running !== true;

    // Machine-readable state of the burst, for scripts and the browser tests.
    const status = elements.burstStatus.dataset;
    status.state = burst === null ? 'idle' : burst.running ? 'running' : 'done';
    status.accepted = String(tally.accepted);
    status.rejected = String(tally.rejected);
    status.failed = String(tally.failed);
    status.total = String(tally.total);
    status.replicas = tally.replicas.map((row) => row.replica).join(',');
  }

  function renderDetailsPanel(): void {
    const strategy = currentStrategy();
    const record = currentSignIn();
    const burst = state.burst;
    const burstMatches = burst !== null && burst.strategyId === strategy.id;
    const baseUrl = currentBaseUrl();
    renderDetails(
      elements.details,
      {
        strategy,
        signInExchange: record.exchange,
        proof: record.signedIn ? record.proof : null,
        latestExchange: burstMatches ? burst.latestExchange : null,
        latestOutcome: burstMatches ? burst.latestOutcome : null,
        documentCookie: document.cookie,
        balancerHost: baseUrl === '' ? '' : new URL(baseUrl).hostname,
      },
      t,
    );
  }

  function renderAll(): void {
    renderStaticText();
    renderNotices();
    renderSelections();
    elements.balancerUrl.value = currentBaseUrl();
    renderOrigins();
    renderSignInStatus();
    renderBurst();
    renderDetailsPanel();
    comparePanel.render();
    drillPanel.render();
  }

  /** Redraws the counts, status and details in the next animation frame, once however many responses arrive. */
  function scheduleProgressRender(): void {
    if (frameRequested) {
      return;
    }
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      renderBurstProgress();
      renderDetailsPanel();
    });
  }

  // Sign-in and sign-out.

  function updateSignIn(strategyId: string, record: SignInRecord): void {
    state.signIns.set(strategyId, record);
    if (strategyId === currentStrategy().id) {
      renderSignInStatus();
      renderDetailsPanel();
      if (record.signedIn) {
        drillPanel.clearNote();
      }
      drillPanel.render();
    }
  }

  async function signIn(): Promise<void> {
    const strategy = currentStrategy();
    const baseUrl = currentBaseUrl();
    const user = DEMO_USERS.find((candidate) => candidate.username === state.username) ?? DEMO_USERS[0];
    if (!user || baseUrl === '') {
      return;
    }

    const planned = planLogin(strategy, baseUrl, user);
    if (planned === null) {
      const proof: SignInState = { accessToken: null, basicCredentials: user };
      updateSignIn(strategy.id, {
        signedIn: true,
        proof,
        exchange: null,
        status: {
          key: 'status.signedInBasic',
          params: { strategy: strategy.id, user: user.username },
          tone: 'success',
        },
      });
      return;
    }

    const previous = currentSignIn();
    elements.signInButton.disabled = true;
    signingIn = true;
    renderBurstProgress();
    updateSignIn(strategy.id, { ...previous, status: { key: 'status.signingIn', tone: 'info' } });
    const exchange = await sendPlanned(planned);
    elements.signInButton.disabled = false;
    signingIn = false;
    renderBurstProgress();

    const result = readSignInResult(strategy, user.username, exchange);
    // A failed sign-in does not sign the page out: a token or session from before may still work, as
    // it does on the replicas while the auth service is down.
    if (!result.signedIn && previous.signedIn) {
      updateSignIn(strategy.id, { ...previous, exchange, status: result.status, keptAfterFailure: true });
      return;
    }
    updateSignIn(strategy.id, result);
  }

  async function signOut(): Promise<void> {
    const strategy = currentStrategy();
    const planned = planLogout(strategy, currentBaseUrl());
    let status: StatusMessage = SIGNED_OUT_STATUS;
    let exchange = currentSignIn().exchange;

    if (planned !== null) {
      exchange = await sendPlanned(planned);
      if (exchange.response === null || exchange.response.status >= 300) {
        const detail = exchange.response === null ? t('cell.noResponse') : String(exchange.response.status);
        status = { key: 'status.signOutFailed', params: { detail }, tone: 'error' };
      }
    }

    updateSignIn(strategy.id, { signedIn: false, proof: SIGNED_OUT, exchange, status });
  }

  // Bursts.

  async function sendBurst(): Promise<void> {
    const count = readBurstSize(elements.burstSize.value);
    elements.burstSize.value = String(count);
    const strategy = currentStrategy();
    const mode = currentMode();
    const baseUrl = currentBaseUrl();
    const proof = currentSignIn().signedIn ? currentSignIn().proof : SIGNED_OUT;
    if (baseUrl === '') {
      return;
    }

    const abort = new AbortController();
    const burst: BurstRecord = {
      strategyId: strategy.id,
      balancerModeId: mode.id,
      cells: Array.from({ length: count }, () => null),
      durationsMs: [],
      running: true,
      abort,
      latestExchange: null,
      latestOutcome: null,
    };
    state.burst = burst;
    burstStatus = { key: 'burst.running', params: { done: 0, total: count }, tone: 'info' };
    renderBurst();

    let done = 0;
    await runBurst<Exchange>({
      count,
      concurrency: BURST_LIMITS.concurrency,
      signal: abort.signal,
      send: () => sendPlanned(planMe(strategy, baseUrl, proof)),
      onResult(index, exchange) {
        const outcome = summarizeExchange(exchange);
        done += 1;
        burst.cells[index] = outcome;
        if (exchange.response !== null) {
          burst.durationsMs.push(exchange.durationMs);
        }
        burst.latestExchange = exchange;
        burst.latestOutcome = outcome;
        if (state.burst === burst) {
          burstStatus = { key: 'burst.running', params: { done, total: count }, tone: 'info' };
          updateGridCell(elements.grid, index, outcome, t);
          scheduleProgressRender();
        }
      },
    });

    finishBurst(burst);
  }

  function finishBurst(burst: BurstRecord): void {
    burst.running = false;
    burst.abort = null;
    // Workers take request numbers in order, so after a stop the cells with a response are the first ones.
    burst.cells = burst.cells.filter((cell) => cell !== null);
    const outcomes = burst.cells.filter((cell) => cell !== null);
    if (state.burst !== burst) {
      return;
    }

    const tally = tallyOutcomes(outcomes);
    burstStatus = {
      key: 'burst.summary',
      params: {
        accepted: tally.accepted,
        rejected: tally.rejected,
        failed: tally.failed,
        total: tally.total,
      },
      tone: tally.failed > 0 ? 'error' : 'info',
    };
    if (outcomes.length > 0) {
      state.pageRows.set(
        `${burst.strategyId}|${burst.balancerModeId}`,
        buildCompareRow(burst.strategyId, burst.balancerModeId, outcomes, burst.durationsMs),
      );
    }
    renderBurst();
    renderDetailsPanel();
    comparePanel.onPageRowsChanged();
  }

  // Events.

  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-language]')) {
    button.addEventListener('click', function switchLanguage() {
      const language = LANGUAGES.find((candidate) => candidate === button.dataset.language);
      if (!language || language === state.language) {
        return;
      }
      state.language = language;
      saveLanguage(language);
      renderAll();
    });
  }

  elements.strategySelect.addEventListener('change', function selectStrategy() {
    state.strategyId = elements.strategySelect.value;
    renderSelections();
    renderSignInStatus();
    renderDetailsPanel();
  });

  elements.modeSelect.addEventListener('change', function selectBalancerMode() {
    state.balancerModeId = elements.modeSelect.value;
    elements.balancerUrl.value = currentBaseUrl();
    elements.balancerUrl.removeAttribute('aria-invalid');
    elements.balancerUrlError.hidden = true;
    renderSelections();
    renderOrigins();
  });

  elements.balancerUrl.addEventListener('change', function editBalancerUrl() {
    const url = normalizeBaseUrl(elements.balancerUrl.value);
    const valid = url !== null;
    elements.balancerUrl.setAttribute('aria-invalid', String(!valid));
    elements.balancerUrlError.hidden = valid;
    if (url === null) {
      return;
    }
    state.balancerUrlOverrides.set(currentMode().id, url);
    elements.balancerUrl.value = url;
    renderSelections();
    renderOrigins();
  });

  elements.userSelect.addEventListener('change', function selectUser() {
    state.username = elements.userSelect.value;
  });

  elements.controls.addEventListener('submit', function submitSignIn(event) {
    event.preventDefault();
    if (elements.balancerUrl.getAttribute('aria-invalid') === 'true') {
      elements.balancerUrl.focus();
      return;
    }
    void signIn();
  });

  elements.signOutButton.addEventListener('click', function clickSignOut() {
    void signOut();
  });

  elements.burstForm.addEventListener('submit', function submitBurst(event) {
    event.preventDefault();
    if (state.burst?.running === true) {
      return;
    }
    void sendBurst();
  });

  elements.stopButton.addEventListener('click', function stopBurst() {
    state.burst?.abort?.abort();
  });

  elements.clearButton.addEventListener('click', function clearGrid() {
    state.burst?.abort?.abort();
    state.burst = null;
    burstStatus = null;
    renderBurst();
    renderDetailsPanel();
  });

  renderAll();
}

/** Reads the response of a sign-in request into the record the page keeps for the strategy. */
function readSignInResult(strategy: StrategyEntry, username: string, exchange: Exchange): SignInRecord {
  const response = exchange.response;
  if (response === null) {
    const status: StatusMessage =
      exchange.failure === 'timeout'
        ? { key: 'status.signInTimeout', params: { seconds: REQUEST_TIMEOUT_MS / 1000 }, tone: 'error' }
        : { key: 'status.signInNoResponse', tone: 'error' };
    return { signedIn: false, proof: SIGNED_OUT, exchange, status };
  }

  const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as Record<
    string,
    unknown
  >;
  const accessToken = typeof body.access_token === 'string' ? body.access_token : null;
  const succeeded = response.status >= 200 && response.status < 300;
  if (!succeeded || (strategy.credential === 'bearer' && accessToken === null)) {
    const status: StatusMessage = {
      key: 'status.signInRejected',
      params: {
        status: response.status,
        code: typeof body.code === 'string' ? body.code : '',
        message: typeof body.message === 'string' ? body.message : '',
      },
      tone: 'error',
    };
    return { signedIn: false, proof: SIGNED_OUT, exchange, status };
  }

  const replica = readHeader(response, 'x-served-by') ?? '?';
  return {
    signedIn: true,
    proof: { accessToken: strategy.credential === 'bearer' ? accessToken : null, basicCredentials: null },
    exchange,
    status: {
      key: 'status.signedIn',
      params: { user: username, strategy: strategy.id, replica },
      tone: 'success',
    },
  };
}
