// The shopper taps Cancel on the PIN screen while the kiosk places the hold (a slow hub), in Debian's
// Chromium against a real hub behind a proxy that holds the hold request. The kiosk refuses a cancel once
// the hold request is sent (the hub may settle it); the screen must not look as if it cancelled.
// Before, Cancel stayed active, and the screen went idle on the refused cancel while the hold settled:
// the shopper walked away "cancelled", and was charged.
// Screenshots: test-artifacts/kiosk-e2e-pin-cancel-while-paying.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { useKioskBehindProxy } from './kiosk/kiosk-behind-proxy.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-pin-cancel-while-paying');
const kiosk = useKioskBehindProxy(artifacts, () => undefined);
const { pageLog } = kiosk;

const balance = async () => (await kiosk.fixture().admin.getAccount('e2e-shopper')).balance;

describe('Cancel while the hold is placed', () => {
  it('is not offered on the PIN screen, and the screen goes on to the receipt of what was paid', async () => {
    const before = await balance();
    const { page, paymentId } = await kiosk.kioskAsked(kiosk.fixture().clips.live, {
      amount: 720,
      reference: 'e2e-pin-cancel-paying',
    });
    const shown = await waitForScreen(page, ['confirm', 'error'], 90_000);
    expect(shown, pageLog.slice(-20).join('\n')).toBe('confirm');
    await page.locator('[data-testid="confirm-ok"]').click();
    await waitForScreen(page, ['pin'], 20_000);
    const cancel = page.locator('[data-testid="pin-cancel"]');
    expect(await cancel.isEnabled()).toBe(true);

    // The PIN passes; the hold request is held on its way to the hub (a slow hub).
    const held = kiosk.proxy().holdNextRequest();
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await held.arrived;
    await page.screenshot({ path: path.join(artifacts, 'ja-pin-while-paying.png') });
    expect(await cancel.isDisabled()).toBe(true);
    // A tap on it changes nothing (a disabled button sends no click).
    await cancel.click({ force: true, timeout: 2_000 });
    expect(await page.evaluate(() => document.body.dataset['screen'])).toBe('pin');

    expect(await held.forward()).toBe(201);
    await waitForScreen(page, ['receipt'], 30_000);
    expect(await kiosk.atTill(paymentId)).toBe('paid');
    expect(await balance()).toBe(before - 720);
  }, 180_000);
});
