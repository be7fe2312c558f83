// The camera staff choose on the operator screen (kept in localStorage as facepay.cameraDeviceId) is the one
// the next face step reads, without a reload, in Debian's Chromium against a real hub. The fake camera is the
// only device, so a choice of a device that is not there must give the camera-problem screen (no_camera):
// after a payment, for the till's next amount; and mid-payment, on the way back from the member-number
// screen to the face, where the camera the payment opened is still on (it is then released).
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  followPayment,
  openKiosk,
  requestPayment,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { expectCameraOff, expectCameraOn, installCameraLog } from './kiosk/camera-log.ts';
import { words } from './kiosk/locale-words.ts';
import { useShopInChromium } from './kiosk/shop-in-chromium.ts';

const shop = useShopInChromium('kiosk-e2e-camera-choice');
const { pageLog } = shop;
/** What the operator screen's camera choice writes (camera.ts). */
const cameraKey = 'facepay.cameraDeviceId';

afterEach(async () => {
  const service = shop.fixture().shell.runtime.service;
  const open = service.status().payment;
  if (open !== null && ['waiting_for_face', 'confirming', 'pin'].includes(open.state))
    await service.handlers.cancel({ paymentId: open.id });
});

let payments = 0;
async function tillAsks(amount: number): Promise<void> {
  const { shell, shop: till } = shop.fixture();
  payments += 1;
  const requested = await requestPayment(shell.url, till.tillToken, {
    amount,
    reference: `e2e-camera-choice-${payments}`,
  });
  expect(requested.status).toBe(201);
}

async function chooseCamera(page: Page, deviceId: string | null): Promise<void> {
  await page.evaluate(
    ({ key, id }) => {
      if (id === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, id);
    },
    { key: cameraKey, id: deviceId },
  );
}

/** The camera-problem screen, and the problem it names. */
async function cameraProblem(page: Page): Promise<string | null> {
  const shown = await waitForScreen(page, ['camera', 'face'], 20_000);
  expect(shown, pageLog.slice(-20).join('\n')).toBe('camera');
  return page.locator('[data-problem]').getAttribute('data-problem');
}

describe('the camera chosen on the staff screen', () => {
  it('is the one the next payment opens, without a reload', async () => {
    const page = await openKiosk(shop.browser(), shop.fixture().shell.url, pageLog);
    await tillAsks(410);
    const paid = await followPayment(page, { pin: shop.fixture().enrolled.pin, timeoutMs: 90_000 });
    expect(paid.outcome, `${paid.errorCode ?? ''}\n${pageLog.slice(-20).join('\n')}`).toBe('paid');
    await page.getByRole('button', { name: words('ja', 'actions.done'), exact: true }).click();
    await waitForScreen(page, ['idle'], 10_000);

    await chooseCamera(page, 'no-such-camera');
    await tillAsks(420);
    expect(await cameraProblem(page)).toBe('no_camera');
    await chooseCamera(page, null);
  }, 180_000);

  it('is the one the face step opens on the way back from the member number, the other released', async () => {
    const page = await openKiosk(shop.browser(), shop.fixture().shell.url, pageLog, {
      beforeOpen: installCameraLog,
    });
    await tillAsks(430);
    await waitForScreen(page, ['face'], 20_000);
    await page.getByRole('button', { name: words('ja', 'actions.memberPin'), exact: true }).click();
    await waitForScreen(page, ['member'], 10_000);
    await expectCameraOn(page, 1);

    await chooseCamera(page, 'no-such-camera');
    await page.locator('[data-testid="member-back"]').click();
    expect(await cameraProblem(page)).toBe('no_camera');
    await expectCameraOff(page);
    await chooseCamera(page, null);
  }, 120_000);
});
