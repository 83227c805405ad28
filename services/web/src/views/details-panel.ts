import type { StrategyEntry } from '../catalog.js';
import { createElement } from '../dom.js';
import { type Exchange, REQUEST_TIMEOUT_MS } from '../exchange.js';
import { decodeDisplayClaims, maskAuthorization, maskSecret, type SignInState } from '../lab-requests.js';
import type { RequestOutcome } from '../tally.js';
import type { Translator } from './translator.js';

/** Input of the details panel for the selected strategy. */
export interface DetailsInput {
  readonly strategy: StrategyEntry;
  readonly signInExchange: Exchange | null;
  readonly proof: SignInState | null;
  readonly latestExchange: Exchange | null;
  readonly latestOutcome: RequestOutcome | null;
  /** `document.cookie` of the page when it was drawn. */
  readonly documentCookie: string;
  readonly balancerHost: string;
}

/** Maximum body text shown, so a long response does not push the rest of the page away. */
const MAX_BODY_CHARACTERS = 600;

/** Token fields masked in displayed bodies; a token on screen is a token in a screenshot. */
const SECRET_FIELDS = new Set(['access_token', 'refresh_token', 'token']);

/** Redraws the details panel: the latest sign-in, what the browser did with cookies, and the latest request. */
export function renderDetails(container: HTMLElement, input: DetailsInput, t: Translator): void {
  if (input.signInExchange === null && input.latestExchange === null && input.proof === null) {
    container.replaceChildren(createElement('p', { className: 'hint', text: t('details.empty') }));
    return;
  }

  const parts: HTMLElement[] = [];
  if (input.signInExchange !== null) {
    parts.push(buildExchangeBlock(t('details.signIn'), input.signInExchange, input.balancerHost, t));
  }
  parts.push(buildCookieBlock(input, t));
  if (input.strategy.credential === 'bearer') {
    parts.push(buildTokenBlock(input.proof, t));
  }
  if (input.latestExchange !== null) {
    parts.push(buildExchangeBlock(t('details.latest'), input.latestExchange, input.balancerHost, t));
  }

  container.replaceChildren(...parts);
}

function buildExchangeBlock(
  title: string,
  exchange: Exchange,
  balancerHost: string,
  t: Translator,
): HTMLElement {
  const request = exchange.request;
  const scriptHeaders = Object.entries(request.headers).map(([name, value]) =>
    createElement('li', {}, [
      createElement('code', {
        text: `${name}: ${name === 'authorization' ? maskAuthorization(value) : value}`,
      }),
    ]),
  );
  const credentialsNote =
    request.credentials === 'include'
      ? t('details.credentials.include', { host: balancerHost })
      : t('details.credentials.omit');

  const requestList = createElement('dl', { className: 'pairs' }, [
    createElement('dt', { text: t('details.request') }),
    createElement('dd', {}, [createElement('code', { text: `${request.method} ${request.url}` })]),
    createElement('dt', { text: t('details.credentialsMode') }),
    createElement('dd', {}, [createElement('code', { text: request.credentials }), ` ${credentialsNote}`]),
    createElement('dt', { text: t('details.scriptHeaders') }),
    createElement('dd', {}, [
      scriptHeaders.length > 0
        ? createElement('ul', { className: 'plain' }, scriptHeaders)
        : createElement('span', { text: t('details.none') }),
    ]),
  ]);

  return createElement('article', { className: 'detail-block' }, [
    createElement('h3', { text: title }),
    requestList,
    buildResponseList(exchange, t),
  ]);
}

function buildResponseList(exchange: Exchange, t: Translator): HTMLElement {
  if (exchange.response === null) {
    const text =
      exchange.failure === 'timeout'
        ? t('details.timeout', { seconds: REQUEST_TIMEOUT_MS / 1000 })
        : t('details.noResponse');
    return createElement('p', { className: 'warning', text });
  }

  const response = exchange.response;
  const headerItems = response.headers.map(([name, value]) =>
    createElement('li', {}, [createElement('code', { text: `${name}: ${value}` })]),
  );

  return createElement('dl', { className: 'pairs' }, [
    createElement('dt', { text: t('details.status') }),
    createElement('dd', { text: String(response.status) }),
    createElement('dt', { text: t('details.duration') }),
    createElement('dd', { text: `${Math.round(exchange.durationMs)} ms` }),
    createElement('dt', { text: t('details.readableHeaders') }),
    createElement('dd', {}, [
      createElement('ul', { className: 'plain' }, headerItems),
      createElement('p', { className: 'hint', text: t('details.readableHeaders.hint') }),
    ]),
    createElement('dt', { text: t('details.body') }),
    createElement('dd', {}, [createElement('pre', { className: 'body', text: formatBody(response.body) })]),
  ]);
}

/** Shows a JSON body with token fields masked and long text cut. */
export function formatBody(body: unknown): string {
  if (body === null || body === undefined) {
    return '—';
  }

  const text = JSON.stringify(
    body,
    (key, value) => (SECRET_FIELDS.has(key) && typeof value === 'string' ? maskSecret(value) : value),
    2,
  );
  return text.length > MAX_BODY_CHARACTERS ? `${text.slice(0, MAX_BODY_CHARACTERS)}…` : text;
}

function buildCookieBlock(input: DetailsInput, t: Translator): HTMLElement {
  const { strategy } = input;
  const items: HTMLElement[] = [createElement('h3', { text: t('details.setCookie.heading') })];

  if (strategy.cookieName === undefined) {
    const proof =
      strategy.credential === 'basic'
        ? t('details.setCookie.proofBasic')
        : t('details.setCookie.proofBearer');
    items.push(createElement('p', { text: t('details.setCookie.none', { strategy: strategy.id, proof }) }));
    return createElement('article', { className: 'detail-block' }, items);
  }

  items.push(
    createElement('p', {
      text: t('details.setCookie.expected', { strategy: strategy.id, cookie: strategy.cookieName }),
    }),
    createElement('p', { text: t('details.setCookie.hidden') }),
  );

  const cookieText =
    input.documentCookie === ''
      ? t('details.documentCookie.empty')
      : t('details.documentCookie.visible', { host: input.balancerHost });
  items.push(
    createElement('dl', { className: 'pairs' }, [
      createElement('dt', {}, [createElement('code', { text: 'document.cookie' })]),
      createElement('dd', {}, [
        createElement('code', { text: JSON.stringify(input.documentCookie) }),
        ` ${cookieText}`,
      ]),
    ]),
  );

  const outcome = input.latestOutcome;
  if (outcome?.kind === 'accepted') {
    items.push(
      createElement('p', {
        className: 'success',
        text: t('details.cookieProof.sent', { replica: outcome.replica ?? '?' }),
      }),
    );
  } else if (outcome?.kind === 'rejected') {
    items.push(
      createElement('p', {
        className: 'warning',
        text: t('details.cookieProof.unknown', { replica: outcome.replica ?? '?' }),
      }),
    );
  }

  return createElement('article', { className: 'detail-block' }, items);
}

function buildTokenBlock(proof: SignInState | null, t: Translator): HTMLElement {
  const token = proof?.accessToken ?? null;
  const items: HTMLElement[] = [createElement('h3', { text: t('details.token') })];

  if (token === null) {
    items.push(createElement('p', { text: t('details.tokenNone') }));
    return createElement('article', { className: 'detail-block' }, items);
  }

  items.push(createElement('p', {}, [createElement('code', { text: maskSecret(token, 16) })]));
  const claims = decodeDisplayClaims(token);
  if (claims) {
    const expires =
      claims.expiresAtSeconds === null ? '—' : new Date(claims.expiresAtSeconds * 1000).toLocaleTimeString();
    items.push(
      createElement('p', {
        className: 'hint',
        text: t('details.tokenClaims', { sub: claims.sub ?? '—', jti: claims.jti ?? '—', expires }),
      }),
    );
  }
  return createElement('article', { className: 'detail-block' }, items);
}
