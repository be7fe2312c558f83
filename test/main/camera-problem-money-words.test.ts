// A camera problem after a hold request of the payment went out (a gateway's 429 after forwarding sends the
// payment back to waiting_for_face, then the camera drops) must not say no money was taken, ja and en, shop
// and clinic; before any hold request it still does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { paymentViewSchema, type PaymentView } from '../../src/shared/kiosk-api.ts';
import { cameraProblemBody } from '../../src/renderer/screens/money-words.ts';

const localesDir = join(import.meta.dirname, '..', '..', 'src', 'renderer', 'locales');
const load = (language: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(localesDir, `${language}.json`), 'utf8')) as Record<string, unknown>;

const payment = (purpose: PaymentView['purpose'], holdRequestSent: boolean): PaymentView =>
  paymentViewSchema.parse({
    id: 'pay_abcdefgh12',
    purpose,
    amount: 1200,
    currency: 'JPY',
    reference: 'r1',
    category: null,
    source: 'till',
    state: 'waiting_for_face',
    displayNameMasked: null,
    pinRequired: false,
    faceTriesLeft: 2,
    faceChecksPaused: false,
    receipt: null,
    visit: null,
    failure: null,
    holdRequestSent,
  });

let words: i18n;
beforeAll(async () => {
  words = i18next.createInstance();
  await words.init({
    resources: { ja: { translation: load('ja') }, en: { translation: load('en') } },
    lng: 'ja',
    interpolation: { escapeValue: false },
  });
});

const noMoney = /お金は引き落とされていません|お金はお預かりしていません|No money was (taken|held)/;
const cases = ['ja', 'en'].flatMap((language) =>
  (['purchase', 'clinic_visit'] as const).flatMap((purpose) =>
    ['no_camera', 'permission_denied', 'camera_lost'].map((problem) => ({
      language,
      purpose,
      problem,
    })),
  ),
);

describe('a camera problem body', () => {
  it.each(cases)(
    '$language $purpose $problem: not "no money" once a hold request went out',
    async (c) => {
      const t = await words.changeLanguage(c.language);
      const sent = cameraProblemBody(t, c.problem, payment(c.purpose, true));
      expect(sent).not.toMatch(noMoney);
      expect(sent).toContain(
        t(
          'error.moneyNotKnown.sentence',
          c.purpose === 'clinic_visit' ? { context: 'clinic' } : {},
        ),
      );
      expect(cameraProblemBody(t, c.problem, payment(c.purpose, false))).toMatch(noMoney);
    },
  );
});
