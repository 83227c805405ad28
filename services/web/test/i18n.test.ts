import { describe, expect, it } from 'vitest';
import { BALANCER_MODES, DRILLS, predictOutcome, STRATEGIES } from '../src/catalog.js';
import { en } from '../src/i18n/en.js';
import {
  isMessageKey,
  LANGUAGES,
  listPlaceholders,
  MESSAGES,
  pickInitialLanguage,
  translate,
} from '../src/i18n/translate.js';
import { zhCn } from '../src/i18n/zh-cn.js';

describe('message tables', () => {
  it('have the same keys in both languages', () => {
    expect(Object.keys(zhCn).sort()).toEqual(Object.keys(en).sort());
  });

  it('keep the placeholders of each English message', () => {
    for (const [key, message] of Object.entries(en)) {
      const translated = zhCn[key as keyof typeof en];
      expect(listPlaceholders(translated), key).toEqual(listPlaceholders(message));
    }
  });

  it('have no empty message', () => {
    for (const language of LANGUAGES) {
      for (const [key, message] of Object.entries(MESSAGES[language])) {
        expect(message.trim(), `${language} ${key}`).not.toBe('');
      }
    }
  });

  it('name and describe every strategy, balancer mode and drill', () => {
    for (const strategy of STRATEGIES) {
      expect(isMessageKey(`strategy.${strategy.id}.name`), strategy.id).toBe(true);
      expect(isMessageKey(`strategy.${strategy.id}.about`), strategy.id).toBe(true);
    }
    for (const mode of BALANCER_MODES) {
      expect(isMessageKey(`mode.${mode.id}.name`), mode.id).toBe(true);
      expect(isMessageKey(`mode.${mode.id}.about`), mode.id).toBe(true);
    }
    for (const drill of DRILLS) {
      expect(isMessageKey(`drill.${drill}`), drill).toBe(true);
      expect(isMessageKey(`drill.${drill}.about`), drill).toBe(true);
    }
  });

  it('describe every predicted outcome', () => {
    for (const strategy of STRATEGIES) {
      for (const mode of BALANCER_MODES) {
        expect(isMessageKey(`expect.${predictOutcome(strategy, mode)}`)).toBe(true);
      }
    }
  });
});

describe('translate', () => {
  it('fills placeholders', () => {
    expect(translate('en', 'burst.running', { done: 3, total: 10 })).toBe('3 of 10 answered…');
    expect(translate('zh-CN', 'burst.running', { done: 3, total: 10 })).toBe('已应答 3 / 10…');
  });

  it('leaves a placeholder without a value visible', () => {
    expect(translate('en', 'burst.running', { done: 3 })).toBe('3 of {total} answered…');
  });

  it('rejects keys built at run time that do not exist', () => {
    expect(isMessageKey('strategy.digest.name')).toBe(false);
    expect(isMessageKey('toString')).toBe(false);
  });
});

describe('pickInitialLanguage', () => {
  it('prefers the saved choice', () => {
    expect(pickInitialLanguage('zh-CN', ['en-US'])).toBe('zh-CN');
    expect(pickInitialLanguage('en', ['zh-CN'])).toBe('en');
  });

  it('ignores a saved value that is not a language of the page', () => {
    expect(pickInitialLanguage('fr', ['zh-TW'])).toBe('zh-CN');
  });

  it('takes the first Chinese or English browser language', () => {
    expect(pickInitialLanguage(null, ['de-DE', 'zh-Hans-CN', 'en'])).toBe('zh-CN');
    expect(pickInitialLanguage(null, ['de-DE', 'en-GB', 'zh'])).toBe('en');
  });

  it('falls back to English', () => {
    expect(pickInitialLanguage(null, [])).toBe('en');
    expect(pickInitialLanguage(null, ['ja-JP'])).toBe('en');
  });
});

describe('index.html', () => {
  it('carries the English text of every translated element', async () => {
    const { readFile } = await import('node:fs/promises');
    const html = await readFile(new URL('../index.html', import.meta.url), 'utf8');
    const elements = [...html.matchAll(/data-i18n="([^"]+)"[^>]*>([^<]*)</g)];

    expect(elements.length).toBeGreaterThan(30);
    for (const [, key, text] of elements) {
      expect(isMessageKey(key as string), key).toBe(true);
      expect(text?.replaceAll('&amp;', '&'), key).toBe(en[key as keyof typeof en]);
    }
  });
});
