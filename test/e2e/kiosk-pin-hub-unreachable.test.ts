// A PIN check the hub could not answer (its 503 while it restarts), in Debian's Chromium against a real hub
// behind a proxy: the payment stays open at the PIN and nothing is taken; the error screen's "try again"
// goes back to the PIN, where the PIN typed again pays. Before, it went to the face screen, whose identify
// the kiosk refuses for a payment waiting at the PIN: the shopper could only call staff or cancel.
// Screenshots: test-artifacts/kiosk-e2e-pin-hub-unreachable.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { useKioskWithHubStarting } from './kiosk/kiosk-hub-starting.ts';
import { words } from './kiosk/locale-words.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-pin-hub-unreachable');
/** The next `outage.left` PIN checks are answered 503 by the proxy, as the hub answers while it restarts. */
const kiosk = useKioskWithHubStarting(artifacts, '/v1/verify-pin');
const { pageLog, outage } = kiosk;

const balance = async () => (await kiosk.fixture().admin.getAccount('e2e-shopper')).balance;

describe('a PIN check the hub could not answer', () => {
  it('keeps the payment at the PIN; "try again" goes back to the PIN, and the PIN typed again pays', async () => {
    const before = await balance();
    const { page, paymentId } = await kiosk.kioskAsked(kiosk.fixture().clips.live, {
      amount: 650,
      reference: 'e2e-pin-503',
    });
    const shown = await waitForScreen(page, ['confirm', 'error'], 90_000);
    expect(shown, pageLog.slice(-20).join('\n')).toBe('confirm');
    await page.locator('[data-testid="confirm-ok"]').click();
    await waitForScreen(page, ['pin'], 20_000);

    outage.left = 1;
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['error'], 30_000);
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await screen.getAttribute('data-code')).toBe('hub_unreachable');
    await page.screenshot({ path: path.join(artifacts, 'ja-pin-hub-unreachable.png') });
    expect(kiosk.shell().runtime.service.status().payment).toMatchObject({
      id: paymentId,
      state: 'pin',
    });
    expect(await balance()).toBe(before);

    // The kiosk's next round finds the hub again; the shopper taps "try again".
    const answering = Date.now() + 30_000;
    while (kiosk.shell().runtime.service.status().hub !== 'reachable' && Date.now() < answering)
      await new Promise((resolve) => setTimeout(resolve, 250));
    await page.getByRole('button', { name: words('ja', 'actions.retry') }).click();
    await waitForScreen(page, ['pin', 'face'], 10_000);
    expect(await page.evaluate(() => document.body.dataset['screen'])).toBe('pin');
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    expect(await kiosk.atTill(paymentId)).toBe('paid');
    expect(await balance()).toBe(before - 650);
  }, 180_000);
});
