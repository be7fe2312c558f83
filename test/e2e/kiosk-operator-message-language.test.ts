// The staff menu's notices follow the language switch: a wrong staff PIN is said in Japanese, and in
// English once the switch is tapped (the notice is kept as a locale key, not as the words first shown).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import { words } from './kiosk/locale-words.ts';
import { startShopRig, until, type ShopRig } from './kiosk/shop-rig.ts';

describe("the staff menu's notices", () => {
  let rig: ShopRig | null = null;
  let shell: WebShell | null = null;
  let browser: Browser | null = null;

  beforeAll(async () => {
    rig = await startShopRig({
      artifactsName: 'kiosk-e2e-operator-message-language',
      prefix: 'facepay-operator-message-e2e-',
    });
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

  it('a wrong staff PIN: said in Japanese, then in English after the switch', async () => {
    if (rig === null || shell === null || browser === null) throw new Error('no rig');
    const service = shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    const page = await openKiosk(browser, shell.url);
    await page.getByRole('button', { name: words('ja', 'operator.open') }).click();
    await waitForScreen(page, ['operator'], 5_000);
    const pin = rig.test.shop.config.operatorPin ?? '';
    await typeDigits(page, pin === '0000' ? '1111' : '0000');
    const notice = page.locator('.screen-operator .pin-warning[role="alert"]');
    await expect
      .poll(() => notice.textContent(), { timeout: 10_000 })
      .toBe(words('ja', 'operator.operator_pin_incorrect'));
    await page.locator('[data-testid="language-switch"]').click();
    await expect
      .poll(() => notice.textContent(), { timeout: 5_000 })
      .toBe(words('en', 'operator.operator_pin_incorrect'));
  }, 300_000);
});
