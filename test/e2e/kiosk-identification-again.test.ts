// A PIN typed after the hub stopped remembering the shopper's face (identificationMemoryMs), in Debian's
// Chromium against a real hub: the proxy in front of it answers the first PIN check as the hub then does
// (identification_required). The shopper is told in ja and en to look at the camera again, the PIN pad goes,
// the till's payment stays open, and the face and PIN then pay it, no PIN try counted.
// Screenshots: test-artifacts/kiosk-e2e-identification-again.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { HubError } from '../../src/hub/errors.ts';
import { errorBody } from '../../src/hub/http/context.ts';
import { hubRoutes } from '../../src/shared/hub-routes.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { useKioskBehindProxy } from './kiosk/kiosk-behind-proxy.ts';
import { words } from './kiosk/locale-words.ts';
import { expectConfirmScreen } from './kiosk/shop-in-chromium.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-identification-again');

/** The kiosk's PIN checks (POST verify-pin): all it sent, and those the proxy answered in the hub's stead. */
const pinChecks = { sent: 0, answeredHere: 0 };

/**
 * The first PIN check is answered as the hub answers it once the face's identification is older than
 * identificationMemoryMs (IdentityService.requireIdentification): its refusal, status and body as the hub's
 * error handler writes them. The rest reach the hub.
 */
function faceForgottenAtFirstPin(method: string, url: string): Response | undefined {
  const { verifyPin } = hubRoutes;
  if (method !== verifyPin.method || new URL(url).pathname !== verifyPin.path) return undefined;
  pinChecks.sent += 1;
  if (pinChecks.answeredHere > 0) return undefined;
  pinChecks.answeredHere += 1;
  const forgotten = new HubError(
    'identification_required',
    'identify the face for this payment before the PIN',
  );
  return new Response(JSON.stringify(errorBody(forgotten)), {
    status: forgotten.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}

const kiosk = useKioskBehindProxy(artifacts, faceForgottenAtFirstPin);

const balance = async () => (await kiosk.fixture().admin.getAccount('e2e-shopper')).balance;

/** The shopper's wrong PINs as the hub counts them (its store: no route reads them out). */
async function pinFailures(): Promise<number> {
  const { hub, enrolled } = kiosk.fixture();
  const person = await hub.store.reader.getPerson(enrolled.person.id);
  expect(person).toBeDefined();
  return person?.pinFailures ?? -1;
}

/** The face read, OK tapped: the PIN screen, with no warning on it (no wrong PIN counted). */
async function faceReadToPin(page: Page): Promise<void> {
  await expectConfirmScreen(page, kiosk.pageLog);
  await page.locator('[data-testid="confirm-ok"]').click();
  await waitForScreen(page, ['pin'], 20_000);
  expect(await page.locator('[data-testid="pin-warning"]').count()).toBe(0);
}

/** The error screen's title and body in `language` are the locale's identification_required words. */
async function expectLookAgainWords(page: Page, language: 'ja' | 'en'): Promise<void> {
  await expect
    .poll(() => page.locator('#error-title').textContent())
    .toBe(words(language, 'error.identification_required.title'));
  expect(await page.locator('.error-body').textContent()).toBe(
    words(language, 'error.identification_required.body'),
  );
  await page.screenshot({ path: path.join(artifacts, `${language}-look-again.png`) });
}

describe('a PIN typed after the hub stopped remembering the face', () => {
  it('says to look at the camera again with the payment still open, and the face and PIN then pay', async () => {
    const amount = 760;
    const before = await balance();
    const failuresBefore = await pinFailures();
    const shell = kiosk.shell();
    const { page, paymentId } = await kiosk.kioskAsked(kiosk.fixture().clips.live, {
      amount,
      reference: 'e2e-identification-again',
    });
    await faceReadToPin(page);
    await page.screenshot({ path: path.join(artifacts, 'ja-pin.png') });

    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['error'], 30_000);
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await screen.getAttribute('data-code'), kiosk.pageLog.slice(-20).join('\n')).toBe(
      'identification_required',
    );
    expect(pinChecks).toEqual({ sent: 1, answeredHere: 1 });
    await expectLookAgainWords(page, 'ja');
    await page.locator('[data-testid="language-switch"]').click();
    await expectLookAgainWords(page, 'en');
    await page.locator('[data-testid="language-switch"]').click();
    // The PIN pad is gone: the PIN would go to a face the hub no longer remembers.
    expect(await page.locator('.keypad').count()).toBe(0);
    // The payment is open at the face step, the masked name forgotten, for the till and the kiosk alike.
    expect(await kiosk.atTill(paymentId)).toBe('waiting_for_face');
    expect(shell.runtime.service.status().payment).toMatchObject({
      id: paymentId,
      state: 'waiting_for_face',
      displayNameMasked: null,
    });
    expect(await balance()).toBe(before);

    await page.getByRole('button', { name: words('ja', 'actions.retry'), exact: true }).click();
    // The face step again: the camera reads the face anew before the PIN is asked.
    expect(await waitForScreen(page, ['face', 'confirm'], 10_000)).toBe('face');
    await page.screenshot({ path: path.join(artifacts, 'ja-face-again.png') });
    await faceReadToPin(page);
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    await page.screenshot({ path: path.join(artifacts, 'ja-receipt.png') });
    expect(pinChecks).toEqual({ sent: 2, answeredHere: 1 });
    expect(await kiosk.atTill(paymentId)).toBe('paid');
    const holdId = (await page.locator('[data-testid="hold-id"]').textContent()) ?? '';
    expect(await kiosk.fixture().admin.getHold(holdId)).toMatchObject({
      status: 'settled',
      settled: amount,
      payer: 'e2e-shopper',
      payee: 'e2e-shop',
    });
    expect(await balance()).toBe(before - amount);
    expect(await pinFailures()).toBe(failuresBefore);
  }, 300_000);
});
