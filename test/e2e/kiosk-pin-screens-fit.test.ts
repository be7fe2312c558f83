// The shopper's PIN screens on both kiosk displays (1280x800 and the smaller 1024x600), in Debian's Chromium
// against a real hub, in Japanese and English: the title, the keypad's first and last rows, OK and the
// screen's own buttons all in view without scrolling, with and without the wrong-PIN warning shown.
// Screenshots: test-artifacts/kiosk-e2e-pin-screens-fit.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { useKioskAskedToPay } from './kiosk/kiosk-asked.ts';
import { words } from './kiosk/locale-words.ts';
import {
  expectScreenFitsEverywhere,
  keypadParts,
  kioskDisplays,
  screenshotsEverywhere,
} from './kiosk/screen-fits.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-pin-screens-fit');
const { fixture, kioskAsked, pageLog } = useKioskAskedToPay(artifacts, 'e2e-pin-fit');

/** The keys stay a comfortable touch size on every display (the smaller one included). */
async function expectTouchSizedKeys(page: Page): Promise<void> {
  for (const display of kioskDisplays) {
    await page.setViewportSize(display);
    const heights = await page
      .locator('.keypad-keys .key')
      .evaluateAll((keys) => keys.map((key) => key.getBoundingClientRect().height));
    expect(
      Math.min(...heights),
      `keys at ${display.width}x${display.height}`,
    ).toBeGreaterThanOrEqual(56);
  }
  await page.setViewportSize(kioskDisplays[0]);
}

describe("the shopper's PIN screens fit both kiosk displays", () => {
  it('the PIN screen after a face match: title, name, keypad, OK, Not me and Cancel, and so with the wrong-PIN warning', async () => {
    const page = await kioskAsked(fixture().clips.live, 760);
    const shown = await waitForScreen(page, ['confirm', 'error'], 90_000);
    expect(shown, pageLog.slice(-20).join('\n')).toBe('confirm');
    await page.locator('[data-testid="confirm-ok"]').click();
    await waitForScreen(page, ['pin'], 20_000);
    const cancel = page.getByRole('button', {
      name: new RegExp(
        `^(${words('ja', 'actions.cancelPayment')}|${words('en', 'actions.cancelPayment')})$`,
      ),
    });
    const screen = {
      title: page.locator('#pin-title'),
      name: page.locator('.masked-name'),
      amount: page.locator('[data-testid="amount"]'),
      ...keypadParts(page),
      'Not me': page.locator('[data-testid="not-me"]'),
      cancel,
    };
    await screenshotsEverywhere(page, artifacts, 'pin');
    await expectScreenFitsEverywhere(page, screen);
    await expectTouchSizedKeys(page);

    // A wrong PIN: the warning (tries left) above the pad, and everything still in view.
    await typeDigits(page, '1357');
    const warning = page.locator('[data-testid="pin-warning"]');
    await warning.waitFor({ timeout: 20_000 });
    await screenshotsEverywhere(page, artifacts, 'pin-wrong');
    await expectScreenFitsEverywhere(page, { warning, ...screen });
    await expectTouchSizedKeys(page);
  }, 240_000);

  it('the member number and PIN screen: title, keypad, its OK and Back, and so with the wrong-PIN warning', async () => {
    const page = await kioskAsked(fixture().clips.stranger, 680);
    await waitForScreen(page, ['face'], 30_000);
    await page.getByRole('button', { name: words('ja', 'actions.memberPin') }).click();
    await waitForScreen(page, ['member'], 10_000);
    const back = page.getByRole('button', {
      name: new RegExp(`^(${words('ja', 'actions.back')}|${words('en', 'actions.back')})$`),
    });
    const screen = {
      title: page.locator('#member-title'),
      amount: page.locator('[data-testid="amount"]'),
      ...keypadParts(page),
      back,
    };
    await screenshotsEverywhere(page, artifacts, 'member-number');
    await expectScreenFitsEverywhere(page, screen);
    await expectTouchSizedKeys(page);

    // The member number typed, a wrong PIN: the warning, the keypad asking for the PIN again.
    await typeDigits(page, fixture().enrolled.person.memberNumber);
    await typeDigits(page, '1357');
    const warning = page.locator('[data-testid="pin-warning"]');
    await warning.waitFor({ timeout: 20_000 });
    expect(await warning.textContent()).toBe(words('ja', 'member.incorrect'));
    await screenshotsEverywhere(page, artifacts, 'member-wrong');
    await expectScreenFitsEverywhere(page, { warning, ...screen });
    await expectTouchSizedKeys(page);
  }, 240_000);
});
