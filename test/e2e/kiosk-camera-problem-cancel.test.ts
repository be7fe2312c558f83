// A camera problem's screen (no camera, permission denied, unplugged) must let the person leave: it offered
// "check the camera again" and the member number, and otherwise only "ask staff", so a patient (or shopper)
// who would rather not check in here had no way off the screen but to wait for staff or the idle expiry.
// In Debian's Chromium with no camera at all, against a real hub: the clinic's check-in reaches the camera
// screen, which offers Cancel last in Japanese and English; Cancel ends the check-in and holds nothing.
// Screenshots: test-artifacts/kiosk-e2e-camera-problem-cancel.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchKioskBrowser, openKiosk, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { KioskTestHub, TestClock } from '../main/kiosk-test-hub.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import { clinicWithStrangerCamera } from './kiosk/clinic-with-stranger-camera.ts';
import { inJapaneseThenEnglish, words } from './kiosk/locale-words.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-camera-problem-cancel');
const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let shell: WebShell;
let browser: Browser | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  // The clip is not used: the browser below has no camera at all.
  ({ test, shell } = await clinicWithStrangerCamera('facepay-camera-cancel-e2e-', clock));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await closeKioskTestHub(test);
  await assertNoProcessLeft();
});

describe('a camera problem at check-in', () => {
  it('offers Cancel in ja and en beside the other ways out; Cancel ends the check-in and holds nothing', async () => {
    const before = await test.admin.getAccount('patient');
    browser = await launchKioskBrowser(null);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, shell.url, pageLog);
    await page.locator('[data-testid="check-in"]').click();
    expect(await waitForScreen(page, ['camera', 'face', 'error'], 30_000)).toBe('camera');
    const problem = page.locator('[data-testid="camera-problem"]');
    expect(await problem.getAttribute('data-problem')).toBe('no_camera');
    const checkIn = shell.runtime.service.status().payment;
    expect(checkIn).toMatchObject({ state: 'waiting_for_face' });

    await inJapaneseThenEnglish(page, async (language) => {
      // Try the camera again, the member number, and last the way out.
      expect(await problem.locator('.actions button').allTextContents()).toEqual([
        words(language, 'camera.retry'),
        words(language, 'actions.memberPin_clinic'),
        words(language, 'actions.cancelPayment_clinic'),
      ]);
      await page.screenshot({ path: path.join(artifacts, `${language}-no-camera.png`) });
    });

    await page
      .getByRole('button', { name: words('ja', 'actions.cancelPayment_clinic'), exact: true })
      .click();
    expect(await waitForScreen(page, ['idle'], 10_000)).toBe('idle');
    expect(shell.runtime.service.tillPayment(checkIn?.id ?? '')).toMatchObject({
      state: 'cancelled',
    });
    expect(await test.admin.getAccount('patient')).toMatchObject({
      balance: before.balance,
      held: before.held,
    });
  }, 120_000);
});
