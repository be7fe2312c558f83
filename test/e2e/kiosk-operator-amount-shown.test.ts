// The amount staff type on the staff menu is shown as every amount on the kiosk is: grouped, in the
// language's yen (1,200,000円 in Japanese, ¥1,200,000 in English), not as the bare digits after a fixed ¥.
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

describe("the staff menu's typed amount", () => {
  let rig: ShopRig | null = null;
  let shell: WebShell | null = null;
  let browser: Browser | null = null;

  beforeAll(async () => {
    rig = await startShopRig({
      artifactsName: 'kiosk-e2e-operator-amount-shown',
      prefix: 'facepay-operator-amount-e2e-',
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

  it('1200000 typed reads 1,200,000円, then ¥1,200,000 in English', async () => {
    if (rig === null || shell === null || browser === null) throw new Error('no rig');
    const service = shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    const page = await openKiosk(browser, shell.url);
    await page.getByRole('button', { name: words('ja', 'operator.open') }).click();
    await waitForScreen(page, ['operator'], 5_000);
    await typeDigits(page, rig.test.shop.config.operatorPin ?? '');
    const amount = page.locator('[data-testid="charge-keypad"] [data-testid="keypad-value"]');
    await amount.waitFor({ timeout: 10_000 });
    for (const digit of '1200000')
      await page.locator(`.keypad-keys button[aria-label="${digit}"]`).click();
    expect(await amount.textContent()).toBe(words('ja', 'amount.yen', { amount: '1,200,000' }));
    await page.locator('[data-testid="language-switch"]').click();
    await expect
      .poll(() => amount.textContent(), { timeout: 5_000 })
      .toBe(words('en', 'amount.yen', { amount: '1,200,000' }));
  }, 300_000);
});
