// Japanese by default, English on a tap: every string the kiosk shows lives in locales/*.json.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './locales/en.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };

export type Language = 'ja' | 'en';

export async function startI18n(language: Language): Promise<void> {
  await i18next.use(initReactI18next).init({
    resources: { ja: { translation: ja }, en: { translation: en } },
    lng: language,
    fallbackLng: 'ja',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = language;
}

export async function switchLanguage(language: Language): Promise<void> {
  await i18next.changeLanguage(language);
  document.documentElement.lang = language;
}

/** Back to `language` (the kiosk's default) where another is shown: at idle, after sign-out. */
export async function restoreLanguage(language: Language): Promise<void> {
  if (i18next.language !== language) await switchLanguage(language);
}
