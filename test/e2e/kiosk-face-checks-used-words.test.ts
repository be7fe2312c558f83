// Two refusals that send a shopper back to the camera, met after the payment's last face try, in Debian's
// Chromium against a real hub behind a proxy that answers one route as the hub does: the screen must not say
// "look at the camera" when no look is left. Screenshots: test-artifacts/kiosk-e2e-face-checks-used-words.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { faceTriesPerPaymentMax, pinOnlyAmountMax } from '../../src/shared/limits.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { useKioskBehindProxy } from './kiosk/kiosk-behind-proxy.ts';
import { words } from './kiosk/locale-words.ts';
import { expectConfirmScreen, tapNotMe } from './kiosk/shop-in-chromium.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-face-checks-used-words');

/** The hub's own answers: a child's account by member number (422), a PIN past the face's memory (403). */
const hubRefusals: Record<string, { status: number; code: string; message: string }> = {
  '/v1/pin-authorizations': {
    status: 422,
    code: 'face_required',
    message: "a child's account pays by face and PIN",
  },
  '/v1/verify-pin': {
    status: 403,
    code: 'identification_required',
    message: 'identify the face for this payment before the PIN',
  },
};
/** The next POST to `route` is answered by the proxy with the hub's refusal above; `answered` counts. */
const refuse = { route: '', left: 0, answered: 0 };

const kiosk = useKioskBehindProxy(artifacts, (method, url) => {
  const route = new URL(url).pathname;
  const refusal = hubRefusals[route];
  if (method !== 'POST' || route !== refuse.route || refuse.left === 0 || refusal === undefined)
    return undefined;
  refuse.left -= 1;
  refuse.answered += 1;
  const error = { code: refusal.code, message: refusal.message };
  return Response.json({ error }, { status: refusal.status });
});
const { pageLog } = kiosk;

afterEach(() => {
  refuse.left = 0;
  refuse.answered = 0;
});

const balance = async () => (await kiosk.fixture().admin.getAccount('e2e-shopper')).balance;
const tries = String(faceTriesPerPaymentMax);

/**
 * The till's payment of `amount` at the kiosk, its face matched and "Not me" tapped until one face try is
 * left; the shopper then looks a last time: the confirm screen.
 */
async function lastFaceTryConfirmed(amount: number, reference: string): Promise<Page> {
  const { page } = await kiosk.kioskAsked(kiosk.fixture().clips.live, { amount, reference });
  await waitForScreen(page, ['face'], 30_000);
  const retry = page.getByRole('button', { name: words('ja', 'actions.retry'), exact: true });
  for (let tried = 1; tried < faceTriesPerPaymentMax; tried += 1) {
    await expectConfirmScreen(page, pageLog);
    await tapNotMe(page);
    await retry.click();
  }
  await expectConfirmScreen(page, pageLog);
  expect(kiosk.shell().runtime.service.status().payment).toMatchObject({ faceTriesLeft: 0 });
  return page;
}

/** The failure screen's code, title, body and buttons, in Japanese then English (screenshots), back in ja. */
async function failureInBothLanguages(page: Page, name: string) {
  const screen = page.locator('[data-testid="error-screen"]');
  await screen.waitFor({ timeout: 30_000 });
  const shown = [];
  for (const language of ['ja', 'en'] as const) {
    if (language === 'en') await page.locator('[data-testid="language-switch"]').click();
    await expect
      .poll(() => page.locator('html').getAttribute('lang'), { timeout: 5_000 })
      .toBe(language);
    shown.push({
      language,
      code: await screen.getAttribute('data-code'),
      title: await page.locator('#error-title').textContent(),
      body: await page.locator('.error-body').textContent(),
      buttons: await screen.locator('.actions button').allTextContents(),
      memberButtons: await screen.locator('[data-testid="member-pin"]').count(),
    });
    await page.screenshot({ path: path.join(artifacts, `${language}-${name}.png`) });
  }
  await page.locator('[data-testid="language-switch"]').click();
  return shown;
}

describe('a refusal that asks for the face, after the last face try', () => {
  it("a child's member number (face_required) says to ask staff, not to look at the camera, and offers no retry", async () => {
    const before = await balance();
    const page = await lastFaceTryConfirmed(620, 'e2e-face-required-no-try');
    // The shopper does not confirm the name (Not me): no look left, the member number is the way on.
    await tapNotMe(page);
    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    refuse.route = '/v1/pin-authorizations';
    refuse.left = 1;
    await typeDigits(page, kiosk.fixture().enrolled.person.memberNumber);
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    const shown = await failureInBothLanguages(page, 'face-required-no-try');
    expect(refuse.answered).toBe(1);
    for (const screen of shown) {
      const { language } = screen;
      expect(screen.code).toBe('face_required');
      expect(screen.title).toBe(words(language, 'error.face_required.title'));
      expect(screen.body).toBe(
        words(language, 'error.face_required.body_triesUsed', {
          tries,
          max: language === 'ja' ? '10,000円' : '¥10,000',
        }),
      );
      expect(screen.body).not.toBe(words(language, 'error.face_required.body'));
      // Only Cancel payment: no retry (no look left), no member number (the hub refuses it).
      expect(screen.buttons).toEqual([words(language, 'actions.cancelPayment')]);
    }
    expect(pinOnlyAmountMax).toBe(10_000);
    expect(kiosk.shell().runtime.service.status().payment).toMatchObject({
      state: 'waiting_for_face',
      faceTriesLeft: 0,
    });
    expect(await balance()).toBe(before);
  }, 300_000);

  it('a PIN past the face\'s memory (identification_required) is titled "face checks used up", not "look again", and the member number pays', async () => {
    const before = await balance();
    const page = await lastFaceTryConfirmed(630, 'e2e-identification-no-try');
    await page.locator('[data-testid="confirm-ok"]').click();
    await waitForScreen(page, ['pin'], 20_000);
    refuse.route = '/v1/verify-pin';
    refuse.left = 1;
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    const shown = await failureInBothLanguages(page, 'identification-no-try');
    expect(refuse.answered).toBe(1);
    for (const screen of shown) {
      const { language } = screen;
      expect(screen.code).toBe('identification_required');
      expect(screen.title).toBe(words(language, 'error.face_tries_used.title', { tries }));
      expect(screen.title).not.toBe(words(language, 'error.identification_required.title'));
      expect(screen.body).toBe(words(language, 'error.face_tries_used.body', { tries }));
      expect(screen.memberButtons).toBe(1);
      expect(screen.buttons).toHaveLength(2);
      expect(screen.buttons).not.toContain(words(language, 'actions.retry'));
    }
    expect(await balance()).toBe(before);

    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, kiosk.fixture().enrolled.person.memberNumber);
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    expect(await balance()).toBe(before - 630);
  }, 300_000);
});
