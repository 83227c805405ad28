import type { MessageKey, MessageParams } from '../i18n/translate.js';

/** Looks up a message in the page's current language. */
export type Translator = (key: MessageKey, params?: MessageParams) => string;

/** A message kept as key and parameters, so it is translated again when the language changes. */
export interface StatusMessage {
  readonly key: MessageKey;
  readonly params?: MessageParams;
  readonly tone: 'info' | 'success' | 'error';
}

/** Shows a status message in an element, or clears it. */
export function showStatus(element: HTMLElement, message: StatusMessage | null, t: Translator): void {
  element.textContent = message === null ? '' : t(message.key, message.params);
  element.dataset.tone = message?.tone ?? 'info';
}
