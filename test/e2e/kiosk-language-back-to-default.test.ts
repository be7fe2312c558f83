// One shopper's English is not the next one's: switched to English during a payment, the kiosk speaks
// Japanese (its default) again once the payment is cancelled and the idle screen is back.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  requestPayment,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import { words } from './kiosk/locale-words.ts';
import { startShopRig, until, type ShopRig } from './kiosk/shop-rig.ts';

describe('the language after a payment', () => {
  let rig: ShopRig | null = null;
  let shell: WebShell | null = null;
  let browser: Browser | null = null;

  beforeAll(async () => {
    rig = await startShopRig({
      artifactsName: 'kiosk-e2e-language-back-to-default',
      prefix: 'facepay-language-default-e2e-',
    });
    // No camera: the payment's first screen says so, with Close.
    browser = await launchKioskBrowser(null);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    shell = await startWebShell({
      config: rig.test.shop.config,
      port: 0,
      rendererDir: rig.rendererDir,
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await shell?.close();
    await closeKioskTestHub(rig?.test);
    await assertNoProcessLeft();
  });

  it('switched to English during a payment, back to Japanese at idle', async () => {
    if (rig === null || shell === null || browser === null) throw new Error('no rig');
    const service = shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    const page = await openKiosk(browser, shell.url);
    const lang = () => page.locator('html').getAttribute('lang');
    expect(await lang()).toBe('ja');

    const requested = await requestPayment(shell.url, rig.test.shop.tillToken, {
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
