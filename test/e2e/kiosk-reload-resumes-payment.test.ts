// A kiosk page loaded again (a reload, a renderer restart) while the service's payment waits for the
// shopper's OK or PIN continues on that screen, in Debian's Chromium against a real hub: the confirmation
// after its reload takes the OK, the PIN screen after its reload takes the PIN, and the payment is paid.
// Before, the page started idle, the payment left open until the service's timeout.
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  openKiosk,
  requestPayment,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { expectConfirmScreen, useShopInChromium } from './kiosk/shop-in-chromium.ts';

const shop = useShopInChromium('kiosk-e2e-reload-resumes');
const { pageLog } = shop;

afterEach(async () => {
  const service = shop.fixture().shell.runtime.service;
  const open = service.status().payment;
  if (open !== null && ['waiting_for_face', 'confirming', 'pin'].includes(open.state))
    await service.handlers.cancel({ paymentId: open.id });
});

const balance = async () => (await shop.fixture().admin.getAccount('e2e-shopper')).balance;

/** The page loaded again: the screen it starts on once the kiosk's screens show (not "starting"). */
async function reloaded(page: Page, expected: string): Promise<void> {
  await page.reload();
  const shown = await waitForScreen(page, ['idle', 'face', 'confirm', 'pin', 'error'], 30_000);
  expect(shown, pageLog.slice(-20).join('\n')).toBe(expected);
}

describe('a kiosk page loaded again mid-payment', () => {
  it('continues at the confirmation, then at the PIN, and the payment is paid', async () => {
    const { shell, shop: till, enrolled } = shop.fixture();
    const before = await balance();
    const page = await openKiosk(shop.browser(), shell.url, pageLog);
    const requested = await requestPayment(shell.url, till.tillToken, {
      amount: 680,
      reference: 'e2e-reload-resumes',
    });
    expect(requested.status).toBe(201);
    await expectConfirmScreen(page, pageLog);

    await reloaded(page, 'confirm');
    expect(shell.runtime.service.status().payment?.state).toBe('confirming');
    await page.locator('[data-testid="confirm-ok"]').click();
    await waitForScreen(page, ['pin'], 30_000);

    await reloaded(page, 'pin');
    expect(shell.runtime.service.status().payment?.state).toBe('pin');
    await typeDigits(page, enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    expect(await balance()).toBe(before - 680);
  }, 180_000);
});
