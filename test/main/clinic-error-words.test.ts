// A patient at the clinic's reception checks in: nothing is paid there, a cap is held. The error screens
// pass the clinic context to every string they show, and i18next falls back to the shop's words wherever a
// `_clinic` form is missing, so a patient whose face matched nobody read "pay with your member number…
// no money was taken". Every error string, resolved as the clinic's screens resolve it, must speak of
// check-ins and holds, in Japanese and English.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';

const localesDir = join(import.meta.dirname, '..', '..', 'src', 'renderer', 'locales');
type Tree = Record<string, unknown>;
const load = (language: string): Tree =>
  JSON.parse(readFileSync(join(localesDir, `${language}.json`), 'utf8')) as Tree;

/** What only a shop says: a payment, money taken from the account, the payment server. */
const shopWords = {
  ja: /引き落と|お支払い|決済|支払う/,
  en: /\b(pay|paid|payment|payments)\b|taken/i,
};
/** Values for the strings' placeholders, as the screens fill them. */
const values = { max: '¥10,000', tries: 3, move: 'blink', number: 7 };

let words: i18n;
beforeAll(async () => {
  words = i18next.createInstance();
  await words.init({
    resources: { ja: { translation: load('ja') }, en: { translation: load('en') } },
    lng: 'ja',
    interpolation: { escapeValue: false },
  });
});

/** Every error string's key the ErrorScreen may ask for (its `_clinic` forms are what the context finds). */
function errorKeys(): string[] {
  const errors = load('ja')['error'] as Record<string, Record<string, unknown>>;
  return Object.entries(errors)
    .filter(([code]) => code !== 'moves')
    .flatMap(([code, parts]) =>
      Object.keys(parts)
        .filter((part) => !part.includes('_clinic'))
        .map((part) => `error.${code}.${part}`),
    );
}

describe('the clinic context of the kiosk strings', () => {
  for (const language of ['ja', 'en'] as const) {
    it(`every error screen string at a clinic speaks of check-ins, in ${language}`, () => {
      const shopLike = errorKeys()
        .map((key) => [key, words.t(key, { ...values, lng: language, context: 'clinic' })])
        .filter(([, text]) => shopWords[language].test(text as string));
      expect(shopLike).toEqual([]);
    });

    it(`the member-number screen's notices at a clinic speak of check-ins, in ${language}`, () => {
      for (const notice of ['member.incorrect', 'member.notChecked', 'member.title']) {
        const text = words.t(notice, { lng: language, context: 'clinic' });
        expect(text, notice).not.toMatch(shopWords[language]);
      }
    });
  }
});
