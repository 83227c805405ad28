import { en, type MessageKey } from './en.js';
import { zhCn } from './zh-cn.js';

export type { MessageKey } from './en.js';

/** Languages of the page, as BCP 47 tags for the `lang` attribute. */
export const LANGUAGES = Object.freeze(['en', 'zh-CN'] as const);
export type Language = (typeof LANGUAGES)[number];

/** The message tables, one per language. */
export const MESSAGES: Readonly<Record<Language, Readonly<Record<MessageKey, string>>>> = Object.freeze({
  en,
  'zh-CN': zhCn,
});

/** Each language's name in that language, for the switch. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = Object.freeze({
  en: 'English',
  'zh-CN': '中文',
});

/** localStorage key of the chosen language. */
export const LANGUAGE_STORAGE_KEY = 'authlab.language';

export type MessageParams = Readonly<Record<string, string | number>>;

/** Looks up a message and fills its `{name}` placeholders; a placeholder without a value stays visible. */
export function translate(language: Language, key: MessageKey, params: MessageParams = {}): string {
  const message = MESSAGES[language][key];
  return message.replace(/\{([A-Za-z]+)\}/g, (placeholder, name: string) =>
    name in params ? String(params[name]) : placeholder,
  );
}

/** Lists the placeholder names of a message, sorted, so two translations can be compared. */
export function listPlaceholders(message: string): string[] {
  return [...message.matchAll(/\{([A-Za-z]+)\}/g)].map((match) => match[1] as string).sort();
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * Picks the language at page load: the saved choice first, then the first browser language that is Chinese or
 * English, then English.
 */
export function pickInitialLanguage(saved: string | null, browserLanguages: readonly string[]): Language {
  if (isLanguage(saved)) {
    return saved;
  }

  for (const tag of browserLanguages) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'zh') {
      return 'zh-CN';
    }
    if (primary === 'en') {
      return 'en';
    }
  }

  return 'en';
}

/** Tells whether a key built at run time, such as `strategy.${id}.name`, exists in the tables. */
export function isMessageKey(value: string): value is MessageKey {
  return Object.hasOwn(MESSAGES.en, value);
}
