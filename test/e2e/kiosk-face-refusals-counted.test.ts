// A printed photo moved in front of the camera, in Debian's Chromium against a real hub: each refusal uses
// one of the payment's face tries, so after the last one the error screen offers no retry (ja, en), Back
// from the member number returns to it (not to the camera), and the member number and PIN pay. Before,
// retry was offered without end: a replayed recording could be retried until the challenge drew the order
// it performs. Screenshots: test-artifacts/kiosk-e2e-face-refusals-counted.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { faceRefusalCodes } from '../../src/renderer/face/face-refusal.ts';
import { faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { useKioskBehindProxy } from './kiosk/kiosk-behind-proxy.ts';
import { expectErrorScreenInBothLanguages, words } from './kiosk/locale-words.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-face-refusals-counted');
// Every request goes through to the hub: the proxy only counts the faces the hub was asked to compare.
let identifies = 0;
const kiosk = useKioskBehindProxy(artifacts, (method, url) => {
  if (method === 'POST' && new URL(url).pathname === '/v1/identify') identifies += 1;
  return undefined;
});
const { pageLog } = kiosk;

const balance = async () => (await kiosk.fixture().admin.getAccount('e2e-shopper')).balance;

describe('face refusals use the face tries', () => {
  it('a printed photo refused at every try is offered no retry after the last; the member number and PIN pay', async () => {
    const before = await balance();
    const { page } = await kiosk.kioskAsked(kiosk.fixture().clips.photo, {
      amount: 340,
      reference: 'e2e-face-refusals-340',
    });
    const screen = page.locator('[data-testid="error-screen"]');
    const retry = page.getByRole('button', { name: words('ja', 'actions.retry'), exact: true });
    for (let tried = 1; tried <= faceTriesPerPaymentMax; tried += 1) {
      const shown = await waitForScreen(page, ['error', 'confirm'], 90_000);
      expect(shown, pageLog.slice(-20).join('\n')).toBe('error');
      expect(faceRefusalCodes).toContain(await screen.getAttribute('data-code'));
      expect(kiosk.shell().runtime.service.status().payment).toMatchObject({
        state: 'waiting_for_face',
        faceTriesLeft: faceTriesPerPaymentMax - tried,
      });
      if (tried < faceTriesPerPaymentMax) {
        await page.screenshot({ path: path.join(artifacts, `ja-refused-${tried}.png`) });
        await retry.click();
        await waitForScreen(page, ['face'], 10_000);
      }
    }
    expect(identifies).toBe(0);

    const tries = String(faceTriesPerPaymentMax);
    // The member number leads; no retry, and Cancel payment.
    await expectErrorScreenInBothLanguages(page, {
      artifacts,
      shot: 'refused-last',
      expected: (language) => ({
        body: words(language, 'error.face_tries_used.body', { tries }),
        buttons: [words(language, 'actions.memberPin'), words(language, 'actions.cancelPayment')],
      }),
    });

    // Back from the member number leads to the screen that says the face is not checked again, not to a
    // camera whose face the kiosk would not compare.
    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    await page.getByRole('button', { name: words('ja', 'actions.back'), exact: true }).click();
    expect(await waitForScreen(page, ['error', 'face'], 10_000)).toBe('error');
    expect(await screen.getAttribute('data-code')).toBe('face_tries_used');
    expect(await page.locator('#error-title').textContent()).toBe(
      words('ja', 'error.face_tries_used.title', { tries }),
    );
    await page.screenshot({ path: path.join(artifacts, 'ja-member-back.png') });
    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, kiosk.fixture().enrolled.person.memberNumber);
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    expect(await balance()).toBe(before - 340);
    expect(identifies).toBe(0);
  }, 400_000);
});
