// The shop kiosk's camera is off when no screen reads a face, in Debian's Chromium against a real hub: after
// a payment's receipt, at idle, every camera track the page opened has ended (its light off, not facing the
// queue all night); the next payment opens the camera again and pays by face; and a payment the till sends
// while the receipt shows, its camera slow to open, still gets its face screen (with its buttons) once the
// camera is there, though the receipt's timer ran out meanwhile. The page's getUserMedia is wrapped (the
// real camera, the clip, still opens) to keep each stream it answered and to hold its answer for a while.
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  followPayment,
  openKiosk,
  requestPayment,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { kioskReceiptScreenMs } from '../../src/shared/limits.ts';
import { delayCamera, expectCameraOff, installCameraLog, trackStates } from './kiosk/camera-log.ts';
import { words } from './kiosk/locale-words.ts';
import { useShopInChromium } from './kiosk/shop-in-chromium.ts';

const shop = useShopInChromium('kiosk-e2e-camera-released');
const { pageLog } = shop;

afterEach(async () => {
  const service = shop.fixture().shell.runtime.service;
  const open = service.status().payment;
  if (open !== null && ['waiting_for_face', 'confirming', 'pin'].includes(open.state))
    await service.handlers.cancel({ paymentId: open.id });
});

/** The kiosk's page, its getUserMedia wrapped: the real camera opens, each stream is kept. */
async function kioskWithCameraLog(): Promise<Page> {
  return openKiosk(shop.browser(), shop.fixture().shell.url, pageLog, {
    beforeOpen: installCameraLog,
  });
}

let payments = 0;
async function tillAsks(amount: number): Promise<void> {
  const { shell, shop: till } = shop.fixture();
  payments += 1;
  const requested = await requestPayment(shell.url, till.tillToken, {
    amount,
    reference: `e2e-camera-released-${payments}`,
  });
  expect(requested.status).toBe(201);
}

async function paysByFace(page: Page, amount: number): Promise<void> {
  await tillAsks(amount);
  const paid = await followPayment(page, { pin: shop.fixture().enrolled.pin, timeoutMs: 90_000 });
  expect(paid.outcome, `${paid.errorCode ?? ''}\n${pageLog.slice(-20).join('\n')}`).toBe('paid');
}

describe("the shop kiosk's camera", () => {
  it('is off at idle after a receipt, opens again for the next payment, and a payment sent during the receipt gets its face screen', async () => {
    const page = await kioskWithCameraLog();
    await paysByFace(page, 310);
    await page.getByRole('button', { name: words('ja', 'actions.done'), exact: true }).click();
    await waitForScreen(page, ['idle'], 10_000);
    await expectCameraOff(page);

    // The next payment: a camera opened afresh, and the shopper pays by face.
    await paysByFace(page, 320);
    expect((await trackStates(page)).length).toBe(2);

    // At the receipt, the till's next amount; the camera takes longer to open than the receipt shows.
    await delayCamera(page, kioskReceiptScreenMs + 1_500);
    await tillAsks(330);
    await waitForScreen(page, ['face'], kioskReceiptScreenMs + 20_000);
    // The face screen of that payment, with its buttons (not an empty screen).
    await page
      .getByRole('button', { name: words('ja', 'actions.cancelPayment'), exact: true })
      .waitFor({ timeout: 5_000 });
    expect(await page.locator('video').count()).toBe(1);
    await page
      .getByRole('button', { name: words('ja', 'actions.cancelPayment'), exact: true })
      .click();
    await waitForScreen(page, ['idle'], 10_000);
    await expectCameraOff(page);
  }, 300_000);
});
