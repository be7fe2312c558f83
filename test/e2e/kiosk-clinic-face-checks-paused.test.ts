// A clinic reception whose face checks are paused (failed looks in a row), in Debian's Chromium against a
// real hub: the patient who taps "check in" reads the clinic's words (check in by member number, or ask at
// the reception desk; nothing held), in Japanese and English on the kiosk's small display, no camera opens,
// and the member number and PIN check them in. The looks before are reported to the service as the
// renderer reports a refusal (e2e kiosk-face-checks-paused covers the camera's side of it).
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
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { cap, patientPin, startClinicWithPatient } from '../main/clinic-fixture.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub, TestClock } from '../main/kiosk-test-hub.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import { readErrorScreenInBothLanguages } from './kiosk/account-rules.ts';
import { webShellWithStrangerCamera } from './kiosk/deployment-fixture.ts';
import { words } from './kiosk/locale-words.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-clinic-face-checks-paused');
const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let shell: WebShell;
let browser: Browser | null = null;
let clip = '';
let memberNumber = '';
const pageLog: string[] = [];

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  test = await startClinicWithPatient({
    prefix: 'facepay-clinic-face-paused-e2e-',
    adminToken: `admin-${Date.now()}`,
    clock,
    face: syntheticFace(),
  });
  const [patient] = (await test.admin.findPersons({ accountId: 'patient' })).items;
  memberNumber = patient?.memberNumber ?? '';
  // The camera sees someone the clinic does not know; no camera opens while paused anyway.
  ({ shell, clip } = await webShellWithStrangerCamera(test.work, test.shop));
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

describe('a clinic reception with face checks paused', () => {
  it('a patient tapping check in reads the clinic words in ja and en, no camera opens, and the member number checks them in', async () => {
    await earlierRefusedLooks(faceLooksFailedInARowMax);
    expect(shell.runtime.service.status().faceChecksPaused).toBe(true);
    const before = await test.admin.getAccount('patient');

    browser = await launchKioskBrowser(clip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, shell.url, pageLog);
    await page.locator('[data-testid="check-in"]').click();
    expect(await waitForScreen(page, ['error', 'face'], 30_000)).toBe('error');
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await screen.getAttribute('data-code')).toBe('face_tries_used');
    const seen = await readErrorScreenInBothLanguages(page, {
      artifacts,
      code: 'face_checks_paused',
    });
    for (const language of ['ja', 'en'] as const) {
      const { title, body, staff, buttons } = seen[language];
      expect(title).toBe(words(language, 'error.face_checks_paused.title_clinic'));
      expect(body).toBe(words(language, 'error.face_checks_paused.body_clinic'));
      expect(staff).toBe(words(language, 'actions.staff_clinic'));
      // The member number first, then Cancel; no retry (no camera while paused).
      expect(buttons).toEqual([
        words(language, 'actions.memberPin_clinic'),
        words(language, 'actions.cancelPayment_clinic'),
      ]);
    }

    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, memberNumber);
    await typeDigits(page, patientPin);
    expect(await waitForScreen(page, ['waiting', 'error'], 30_000), pageLog.join('\n')).toBe(
      'waiting',
    );
    await page.screenshot({ path: path.join(artifacts, 'ja-checked-in-by-number.png') });
    expect(await test.admin.getAccount('patient')).toMatchObject({
      balance: before.balance,
      held: before.held + cap,
    });
  }, 300_000);
});
