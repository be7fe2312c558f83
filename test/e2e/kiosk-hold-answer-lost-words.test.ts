// A payment whose hold request went out and got no answer (the hub's 503 through a proxy, as while it
// restarts), in Debian's Chromium against a real hub: the kiosk cannot know whether money moved (it keeps the
// request for reconcile, which gives back what it finds), so the screen says the payment could not be
// confirmed and to ask staff, in Japanese and English. Before, it said "No money was taken".
// Screenshots: test-artifacts/kiosk-e2e-hold-answer-lost-words.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { useKioskWithHubStarting } from './kiosk/kiosk-hub-starting.ts';
import { expectErrorScreenInBothLanguages, words } from './kiosk/locale-words.ts';
import { expectConfirmScreen } from './kiosk/shop-in-chromium.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-hold-answer-lost-words');
/** The next `outage.left` hold requests are answered 503 by the proxy: the kiosk cannot tell what the hub did. */
const kiosk = useKioskWithHubStarting(artifacts, '/v1/holds');
const { pageLog, outage } = kiosk;

describe('a hold request whose answer was lost', () => {
  it('says the payment could not be confirmed and to ask staff, not that no money was taken', async () => {
    const { page, paymentId } = await kiosk.kioskAsked(kiosk.fixture().clips.live, {
      amount: 650,
      reference: 'e2e-hold-lost',
    });
    // The face is read first. Where Chromium takes about a second a frame (a loaded machine), the kiosk's
    // face session ends at its 15 s limit on face_timeout (passive_too_few_frames, no_blink): the message
    // names the screen, its code and the face step's marks.
    await expectConfirmScreen(page, pageLog);
    outage.left = 1;
    await page.locator('[data-testid="confirm-ok"]').click();
    if ((await waitForScreen(page, ['pin', 'error'], 20_000)) === 'pin')
      await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['error'], 30_000);
    expect(outage.left, 'the hold request reached the proxy').toBe(0);
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await screen.getAttribute('data-code')).toBe('hub_unreachable');
    // The service closed it with the request kept for reconcile (a lost hold is never "not taken").
    expect(await kiosk.atTill(paymentId)).toBe('failed');

    await expectErrorScreenInBothLanguages(page, {
      artifacts,
      shot: 'hold-answer-lost',
      expected: (language) => ({
        title: words(language, 'error.hold_unknown.title'),
        body: words(language, 'error.hold_unknown.body'),
        buttons: [words(language, 'actions.close')],
      }),
    });
    for (const language of ['ja', 'en'] as const) {
      expect(words(language, 'error.hold_unknown.body')).not.toContain(
        language === 'ja' ? '引き落とされていません' : 'No money was taken',
      );
    }
  }, 180_000);
});
