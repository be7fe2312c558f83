// A payment the till cancels while the kiosk's camera is still opening (a slow camera: seconds on some), in
// Debian's Chromium against a real hub: the screen stays idle and the camera opened for it goes off again.
// Before, the face screen appeared for the cancelled payment once the camera answered, its light on, and
// stayed until someone tapped Cancel (found in review of the change that releases the camera at idle).
import { afterEach, describe, expect, it } from 'vitest';
import { openKiosk, requestPayment, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { delayCamera, expectCameraOff, installCameraLog, trackStates } from './kiosk/camera-log.ts';
import { useShopInChromium } from './kiosk/shop-in-chromium.ts';

const shop = useShopInChromium('kiosk-e2e-camera-cancelled-while-opening');
const { pageLog } = shop;
const cameraDelayMs = 4_000;

afterEach(async () => {
  const service = shop.fixture().shell.runtime.service;
  const open = service.status().payment;
  if (open !== null && ['waiting_for_face', 'confirming', 'pin'].includes(open.state))
    await service.handlers.cancel({ paymentId: open.id });
});

describe('a payment cancelled while the camera opens', () => {
  it('gets no face screen, and the camera opened for it goes off', async () => {
    const { shell, shop: till } = shop.fixture();
    const page = await openKiosk(shop.browser(), shell.url, pageLog, {
      beforeOpen: installCameraLog,
    });
    await waitForScreen(page, ['idle'], 30_000);
    await delayCamera(page, cameraDelayMs);
    const requested = await requestPayment(shell.url, till.tillToken, {
      amount: 260,
      reference: 'e2e-camera-cancelled-while-opening',
    });
    expect(requested.status).toBe(201);
    const paymentId = requested.body.payment?.id ?? '';
    // The camera is asked for; the till takes the amount back before it answers.
    await page.waitForFunction(() => (window.__streams ?? []).length > 0, undefined, {
      timeout: 10_000,
    });
    const cancelled = await fetch(`${shell.url}/kiosk/v1/payment-requests/${paymentId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${till.tillToken}` },
    });
    expect(cancelled.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, cameraDelayMs + 1_500));
    expect(await page.evaluate(() => document.body.dataset['screen']), pageLog.join('\n')).toBe(
      'idle',
    );
    expect((await trackStates(page)).length).toBe(1);
    await expectCameraOff(page);
  }, 180_000);
});
