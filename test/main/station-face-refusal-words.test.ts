// The enrolment station words a refused live face as the shop does: the officer reads which move the
// person was asked for and missed or got wrong, and the guardian's face step has a line for every screen
// face-refusal.ts can pick. Worded through the station's own refusalWords with the kiosk's resources.
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import en from '../../src/renderer/locales/en.json' with { type: 'json' };
import ja from '../../src/renderer/locales/ja.json' with { type: 'json' };
import { faceRefusal, faceRefusalCodes } from '../../src/renderer/face/face-refusal.ts';
import { localRefusal, refusalWords } from '../../src/renderer/screens/EnrolmentScreens.tsx';

async function translation(language: 'ja' | 'en') {
  const i18n = i18next.createInstance();
  await i18n.init({
    resources: { ja: { translation: ja }, en: { translation: en } },
    lng: language,
    interpolation: { escapeValue: false },
  });
  return { t: i18n.t, i18n };
}

describe("the enrolment station's words for a refused live face", () => {
  it.each(['ja', 'en'] as const)('names the move asked in %s', async (language) => {
    const words = await translation(language);
    const move = words.t('error.moves.look_down');
    expect(move).not.toBe('error.moves.look_down');
    for (const reasons of [['active_wrong_action'], ['active_timeout']]) {
      const refused = faceRefusal({ reasons, challenge: 'look_down' });
      const shown = refusalWords(words, localRefusal(refused.code, refused.challenge));
      expect(shown.body, reasons[0]).toContain(move);
      expect(shown.body).not.toContain('{{');
      expect(shown.title).not.toBe(refusalWords(words, localRefusal('liveness_failed')).title);
    }
  });

  it.each(['ja', 'en'] as const)(
    'every screen face-refusal picks has its own title at the live step and a guardian line in %s',
    async (language) => {
      const words = await translation(language);
      const titles = faceRefusalCodes.map((code) => refusalWords(words, localRefusal(code)).title);
      expect(new Set(titles).size).toBe(faceRefusalCodes.length);
      for (const code of faceRefusalCodes) {
        const key = `enrol.guardian.${code}`;
        expect(words.i18n.exists(key), key).toBe(true);
      }
    },
  );
});
