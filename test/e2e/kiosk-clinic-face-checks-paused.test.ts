// A clinic reception whose face checks pause (failed looks in a row), in Debian's Chromium against a real
// hub. The look that reaches the limit (a stranger at the camera) ends with the clinic's paused words in
// Japanese and English on the kiosk's small display: check in by member number, or ask at the reception
// desk; nothing held. The board, loaded before the pause, then says so itself and its button reads "check
// in with member number": no camera opens, the member number and PIN check the patient in. A clinic whose
// cap the member number cannot hold says to ask at the desk, with no button. The looks before the last are
// reported to the service as the renderer reports a refusal (e2e kiosk-face-checks-paused: the shop's side).
// Screenshots: test-artifacts/kiosk-e2e-clinic-face-checks-paused.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { startWebShell } from '../../src/main/web-shell.ts';
import {
  faceLooksFailedInARowMax,
  faceTriesPerPaymentMax,
  pinOnlyAmountMax,
} from '../../src/shared/limits.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { cap, patientPin } from '../main/clinic-fixture.ts';
import type { KioskTestHub, TestClock } from '../main/kiosk-test-hub.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import { clinicWithStrangerCamera } from './kiosk/clinic-with-stranger-camera.ts';
import { expectIdleFaceChecksPausedInBothLanguages } from './kiosk/idle-face-checks-paused.ts';
import { expectErrorScreenInBothLanguages, words } from './kiosk/locale-words.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-clinic-face-checks-paused');
const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let shell: WebShell;
let browser: Browser | null = null;
let clip = '';
let rendererDir = '';
let memberNumber = '';
const pageLog: string[] = [];

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  // The camera sees someone the clinic does not know: the look that pauses matches nobody.
  ({ test, shell, clip, rendererDir } = await clinicWithStrangerCamera(
    'facepay-clinic-face-paused-e2e-',
    clock,
  ));
  const [patient] = (await test.admin.findPersons({ accountId: 'patient' })).items;
  memberNumber = patient?.memberNumber ?? '';
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await closeKioskTestHub(test);
  await assertNoProcessLeft();
});

/** Check-ins whose looks the face session refused, reported as the renderer reports them, cancelled. */
async function earlierRefusedLooks(looks: number): Promise<void> {
  const service = shell.runtime.service;
  for (let left = looks; left > 0;) {
    const started = await service.handlers.startCheckIn({});
    if (!started.ok) throw new Error(`check-in refused: ${started.error.code}`);
    const paymentId = started.payment.id;
    for (let look = 0; look < faceTriesPerPaymentMax && left > 0; look += 1, left -= 1)
      expect(await service.handlers.reportFaceRefused({ paymentId })).toMatchObject({ ok: true });
    expect(await service.handlers.cancel({ paymentId })).toMatchObject({ ok: true });
  }
}

/** The patient's amount as the board words it (`amount.yen`). */
const yenWords = (language: 'ja' | 'en', amount: number) =>
  words(language, 'amount.yen', { amount: amount.toLocaleString('en-US') });

describe('a clinic reception with face checks paused', () => {
  it('the look that pauses says the clinic words, the board then offers the member number in ja and en, and it checks the patient in with no camera', async () => {
    await earlierRefusedLooks(faceLooksFailedInARowMax - 1);
    const service = shell.runtime.service;
    expect(service.status().faceChecksPaused).toBe(false);
    const before = await test.admin.getAccount('patient');

    browser = await launchKioskBrowser(clip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, shell.url, pageLog);
    const checkIn = page.locator('[data-testid="check-in"]');
    expect(await checkIn.textContent()).toBe(words('ja', 'clinic.checkIn'));
    expect(await page.locator('[data-testid="idle-face-checks-paused"]').count()).toBe(0);

    // The stranger's look fails (refused at the camera, or matched to nobody): the sixth in a row.
    await checkIn.click();
    expect(await waitForScreen(page, ['error', 'confirm'], 90_000), pageLog.join('\n')).toBe(
      'error',
    );
    expect(service.status()).toMatchObject({
      faceChecksPaused: true,
      payment: { faceTriesLeft: 0, faceChecksPaused: true },
    });
    await expectErrorScreenInBothLanguages(page, {
      artifacts,
      shot: 'paused-look',
      // The member number first, then Cancel; no retry (no camera while paused).
      expected: (language) => ({
        title: words(language, 'error.face_checks_paused.title_clinic'),
        body: words(language, 'error.face_checks_paused.body_clinic'),
        buttons: [
          words(language, 'actions.memberPin_clinic'),
          words(language, 'actions.cancelPayment_clinic'),
        ],
      }),
    });
    await page
      .getByRole('button', { name: words('ja', 'actions.cancelPayment_clinic'), exact: true })
      .click();
    await waitForScreen(page, ['idle'], 10_000);

    // The board says it before the next patient taps, in the clinic's words with its cap.
    await expectIdleFaceChecksPausedInBothLanguages(page, {
      artifacts,
      shot: 'board-paused',
      expected: (language) => ({
        title: words(language, 'idle.facePausedTitle_clinic'),
        body: words(language, 'idle.facePausedBody_clinic', { cap: yenWords(language, cap) }),
      }),
    });
    expect(await page.locator('.idle-hint').count()).toBe(0);
    expect(await checkIn.textContent()).toBe(words('ja', 'clinic.checkIn_paused'));
    expect(await checkIn.isEnabled()).toBe(true);

    // "Check in with member number" goes straight to it: no camera, no screen about faces.
    await checkIn.click();
    expect(await waitForScreen(page, ['member', 'error', 'face'], 10_000)).toBe('member');
    await page.screenshot({ path: path.join(artifacts, 'ja-member-from-board.png') });
    // Back returns to the board, the check-in cancelled (no screen about faces between).
    const opened = service.status().payment?.id ?? '';
    await page.getByRole('button', { name: words('ja', 'actions.back'), exact: true }).click();
    expect(await waitForScreen(page, ['idle', 'error', 'face'], 10_000)).toBe('idle');
    expect(service.tillPayment(opened)).toMatchObject({ state: 'cancelled' });
    await checkIn.click();
    expect(await waitForScreen(page, ['member', 'error', 'face'], 10_000)).toBe('member');
    // The amount is the cap held at check-in, not a payment.
    expect(await page.locator('.amount-label').textContent()).toBe(words('ja', 'clinic.capLabel'));
    await typeDigits(page, memberNumber);
    // The PIN's submit checks the patient in, and says so (not the shop's 「支払う」).
    expect(await page.locator('[data-testid="keypad-submit"]').textContent()).toBe(
      words('ja', 'actions.pay_clinic'),
    );
    await typeDigits(page, patientPin);
    expect(await waitForScreen(page, ['waiting', 'error'], 30_000), pageLog.join('\n')).toBe(
      'waiting',
    );
    await page.screenshot({ path: path.join(artifacts, 'ja-checked-in-by-number.png') });
    expect(await test.admin.getAccount('patient')).toMatchObject({
      balance: before.balance,
      held: before.held + cap,
    });
    await page.close();
  }, 300_000);

  it('a clinic whose cap the member number cannot hold says, paused, to ask at the desk, and offers no check-in button', async () => {
    expect(shell.runtime.service.status().faceChecksPaused).toBe(true);
    // The same reception (its keys, so its paused state) with a cap above what the member number pays alone.
    const config = shell.runtime.config;
    const clinic = config.clinic;
    if (clinic === undefined) throw new Error('not a clinic kiosk');
    const bigCap = pinOnlyAmountMax + 2_000;
    await shell.close();
    shell = await startWebShell({
      config: { ...config, clinic: { ...clinic, cap: bigCap } },
      port: 0,
      rendererDir,
    });
    if (browser === null) throw new Error('no browser');
    const page = await openKiosk(browser, shell.url, pageLog);
    await expectIdleFaceChecksPausedInBothLanguages(page, {
      artifacts,
      shot: 'board-paused-desk',
      expected: (language) => ({
        title: words(language, 'idle.facePausedTitle_clinicDesk'),
        body: words(language, 'idle.facePausedBody_clinicDesk'),
      }),
    });
    // Nothing on this kiosk checks the patient in: no button to tap.
    expect(await page.locator('[data-testid="check-in"]').count()).toBe(0);
  }, 120_000);
});
