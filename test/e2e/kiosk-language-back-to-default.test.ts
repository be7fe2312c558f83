// One shopper's English is not the next one's: switched to English during a payment, the kiosk speaks
// Japanese (its default) again once the payment is cancelled and the idle screen is back.
import { describe, expect, it } from 'vitest';
import { requestPayment, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { words } from './kiosk/locale-words.ts';
import { useShopShellWithoutCamera } from './kiosk/shop-rig.ts';

describe('the language after a payment', () => {
  // No camera: the payment's first screen says so, with Close.
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-language-back-to-default',
    prefix: 'facepay-language-default-e2e-',
  });

  it('switched to English during a payment, back to Japanese at idle', async () => {
    const page = await kiosk.openKiosk();
    const service = kiosk.shell().runtime.service;
    const lang = () => page.locator('html').getAttribute('lang');
    expect(await lang()).toBe('ja');

    const requested = await requestPayment(kiosk.shell().url, kiosk.rig().test.shop.tillToken, {
      amount: 480,
      reference: 'language-1',
    });
    expect(requested.status).toBe(201);
    await waitForScreen(page, ['camera', 'face'], 30_000);
    await page.locator('[data-testid="language-switch"]').click();
    await expect.poll(lang, { timeout: 5_000 }).toBe('en');

    await page.getByRole('button', { name: words('en', 'actions.cancelPayment') }).click();
    await waitForScreen(page, ['idle'], 10_000);
    await expect.poll(lang, { timeout: 5_000 }).toBe('ja');
    await expect
      .poll(() => page.locator('#idle-title').textContent(), { timeout: 5_000 })
      .toBe(words('ja', 'idle.welcome', { shop: service.status().shopName }));
  }, 300_000);
});
