// The face and its fallback, in Debian's Chromium against a real hub: a shopper who taps "Not me" and looks
// again each time is told, at the last try, that the face is not checked again for this payment (ja, en),
// offered no retry, and pays with their member number and PIN; above what the member number and PIN pay
// alone, no screen offers them, and the words say the face is needed. Screenshots:
// test-artifacts/kiosk-e2e-face-tries.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  openKiosk,
  requestPayment,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { faceTriesPerPaymentMax, pinOnlyAmountMax } from '../../src/shared/limits.ts';
import { words } from './kiosk/locale-words.ts';
import { expectInView, kioskDisplays } from './kiosk/screen-fits.ts';
import { expectConfirmScreen, tapNotMe, useShopInChromium } from './kiosk/shop-in-chromium.ts';

const shop = useShopInChromium('kiosk-e2e-face-tries');
const { artifacts, pageLog } = shop;

const balance = async () => (await shop.fixture().admin.getAccount('e2e-shopper')).balance;

describe('face tries per payment', () => {
  it('after the last face try, "Not me" offers no retry and says why; the member number and PIN pay', async () => {
    const fixture = shop.fixture();
    const before = await balance();
    const page = await openKiosk(shop.browser(), fixture.shell.url, pageLog);
    const requested = await requestPayment(fixture.shell.url, fixture.shop.tillToken, {
      amount: 610,
      reference: 'e2e-face-tries-610',
    });
    expect(requested.status).toBe(201);
    await waitForScreen(page, ['face'], 30_000);
    for (const display of kioskDisplays) {
      await page.setViewportSize(display);
      for (const way of ['actions.memberPin', 'actions.cancelPayment']) {
        const button = page.getByRole('button', { name: words('ja', way), exact: true });
        await expectInView(page, button, `${way} at ${display.width}`);
      }
    }
    await page.setViewportSize(kioskDisplays[0]);
    const buttons = page.locator('[data-testid="error-screen"] .actions button');
    const retry = page.getByRole('button', { name: words('ja', 'actions.retry'), exact: true });

    for (let tried = 1; tried < faceTriesPerPaymentMax; tried += 1) {
      await expectConfirmScreen(page, pageLog);
      await tapNotMe(page);
      expect(await page.locator('.error-body').textContent()).toBe(
        words('ja', 'error.not_me.body'),
      );
      await retry.click();
    }
    await expectConfirmScreen(page, pageLog);
    await tapNotMe(page);
    const tries = String(faceTriesPerPaymentMax);
    for (const language of ['ja', 'en'] as const) {
      if (language === 'en') await page.locator('[data-testid="language-switch"]').click();
      await expect
        .poll(() => page.locator('#error-title').textContent())
        .toBe(words(language, 'error.not_me.title'));
      expect(await page.locator('.error-body').textContent()).toBe(
        words(language, 'error.face_tries_used.body', { tries }),
      );
      // Only the member number and PIN, then Cancel payment: no way back to the camera.
      expect(await buttons.count()).toBe(2);
      expect(await buttons.first().getAttribute('data-testid')).toBe('member-pin');
      expect(await buttons.first().getAttribute('class')).toContain('button-primary');
      expect(await buttons.nth(1).textContent()).toBe(words(language, 'actions.cancelPayment'));
      for (const display of kioskDisplays) {
        await page.setViewportSize(display);
        await expectInView(page, buttons.first(), `member at ${display.width}`);
        await expectInView(page, buttons.nth(1), `cancel at ${display.width}`);
      }
      await page.setViewportSize(kioskDisplays[0]);
      await page.screenshot({ path: path.join(artifacts, `${language}-face-tries-used.png`) });
    }
    await page.locator('[data-testid="language-switch"]').click();
    expect(fixture.shell.runtime.service.status().payment).toMatchObject({
      state: 'waiting_for_face',
      faceTriesLeft: 0,
    });
    expect(await balance()).toBe(before);

    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, fixture.enrolled.person.memberNumber);
    await typeDigits(page, fixture.enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    // The receipt, its hold id and Done, on the kiosk's displays.
    for (const display of kioskDisplays) {
      await page.setViewportSize(display);
      await expectInView(
        page,
        page.locator('[data-testid="hold-id"]'),
        `hold id at ${display.width}`,
      );
      const done = page.getByRole('button', { name: words('ja', 'actions.done'), exact: true });
      await expectInView(page, done, `done at ${display.width}`);
    }
    await page.setViewportSize(kioskDisplays[0]);
    expect(await balance()).toBe(before - 610);
    await page.close();
  }, 300_000);
});

describe('above what the member number and PIN pay alone', () => {
  it('neither the face screen nor "Not me" offers them, the words say the face is needed, and the face pays', async () => {
    const fixture = shop.fixture();
    const before = await balance();
    const amount = pinOnlyAmountMax + 2_000;
    const page = await openKiosk(shop.browser(), fixture.shell.url, pageLog);
    const requested = await requestPayment(fixture.shell.url, fixture.shop.tillToken, {
      amount,
      reference: 'e2e-face-only',
    });
    expect(requested.status).toBe(201);
    await waitForScreen(page, ['face'], 30_000);
    const memberButton = page.getByRole('button', {
      name: words('ja', 'actions.memberPin'),
      exact: true,
    });
    expect(await memberButton.count()).toBe(0);
    // Its camera, prompt and only way out, Cancel payment, on the kiosk's displays.
    const cancel = page.getByRole('button', {
      name: words('ja', 'actions.cancelPayment'),
      exact: true,
    });
    for (const display of kioskDisplays) {
      await page.setViewportSize(display);
      await expectInView(page, page.locator('.camera-frame'), `camera at ${display.width}`);
      await expectInView(page, cancel, `cancel at ${display.width}`);
    }
    await page.setViewportSize(kioskDisplays[0]);
    await expectConfirmScreen(page, pageLog);
    await tapNotMe(page);
    // The limit as the screen writes an amount: "10,000円" in Japanese, "¥10,000" in English.
    const limit = { ja: '10,000円', en: '¥10,000' };
    for (const language of ['ja', 'en'] as const) {
      if (language === 'en') await page.locator('[data-testid="language-switch"]').click();
      await expect
        .poll(() => page.locator('.error-body').textContent())
        .toBe(words(language, 'error.not_me.body_faceOnly', { max: limit[language] }));
      expect(await page.locator('[data-testid="member-pin"]').count()).toBe(0);
      await page.screenshot({ path: path.join(artifacts, `${language}-not-me-face-only.png`) });
    }
    await page.locator('[data-testid="language-switch"]').click();
    await page.getByRole('button', { name: words('ja', 'actions.retry'), exact: true }).click();
    await expectConfirmScreen(page, pageLog);
    await page.locator('[data-testid="confirm-ok"]').click();
    await waitForScreen(page, ['pin'], 20_000);
    await typeDigits(page, fixture.enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    expect(await balance()).toBe(before - amount);
    await page.close();
  }, 300_000);
});
