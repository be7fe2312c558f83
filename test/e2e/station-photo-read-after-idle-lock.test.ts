// The enrolment station's ID photo read while the face engine hangs, and the idle lock signs the officer out
// meanwhile: the read, dropped when the unanswered-frame rule gives it up, leaves the sign-in's keypad working.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  launchKioskBrowser,
  marks,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { stationIdleLockMs } from '../../src/shared/limits.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { EnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { startEnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { words } from './kiosk/locale-words.ts';
import { toPhoto } from './kiosk/station-photo-steps.ts';

const account = 'e2e-photo-idle-lock';
let fixture: EnrolmentFixture | null = null;
let browser: Browser | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  fixture = await startEnrolmentFixture([account]);
}, 300_000);

afterAll(async () => {
  vi.useRealTimers();
  await browser?.close();
  await fixture?.close();
  await assertNoProcessLeft();
});

/** The service's elapsed clock (the idle lock's) under the test's hand, from where the real one stands. */
function takeServiceElapsedClock(): void {
  const realMs = performance.now();
  vi.useFakeTimers({ toFake: ['performance'] });
  vi.advanceTimersByTime(Math.ceil(realMs) + 1_000);
}

describe('an ID photo read the idle lock cut short', () => {
  it("is dropped when the hung engine gives it up, and the sign-in's keypad works", async () => {
    if (fixture === null) throw new Error('no fixture');
    browser = await launchKioskBrowser(fixture.liveClip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, fixture.shell.url, pageLog, {
      screens: ['station-signin', 'station-document'],
    });
    await page.locator('[data-testid="officer-id"]').fill(fixture.officer.id);
    await typeDigits(page, fixture.officer.pin);
    // A first photo read with a face warms the engine (the unanswered-frame rule's shorter limit).
    await toPhoto(page, account, pageLog);
    await page.locator('[data-testid="photo-file"]').setInputFiles(fixture.idPhoto);
    expect(await waitForScreen(page, ['station-live'], 60_000), pageLog.join('\n')).toBe(
      'station-live',
    );
    await page.getByRole('button', { name: words('ja', 'enrol.cancel') }).click();
    await toPhoto(page, account, pageLog);
    // From here the face worker answers nothing: the next photo's read waits until the rule gives it up.
    for (const worker of page.workers()) {
      await worker.evaluate(() => {
        self.postMessage = () => {};
      });
    }
    await page.locator('[data-testid="photo-file"]').setInputFiles(fixture.idPhoto);
    await expect
      .poll(() => page.locator('[data-testid="photo-message"]').textContent(), {
        timeout: 10_000,
      })
      .toBe(words('ja', 'enrol.photo.reading'));
    // The idle lock while it reads: the sign-in.
    const service = fixture.shell.runtime.service;
    takeServiceElapsedClock();
    vi.advanceTimersByTime(stationIdleLockMs + 1_000);
    await service.lockIdleStation();
    expect(service.status().station?.officer).toBeNull();
    expect(await waitForScreen(page, ['station-signin'], 10_000)).toBe('station-signin');
    await expect
      .poll(async () => (await marks(page)).some((m) => m.name === 'station_photo_read_dropped'), {
        timeout: 60_000,
      })
      .toBe(true);
    // The next officer signs in: the keypad's submit is on once the id and PIN are typed.
    await page.locator('[data-testid="officer-id"]').fill(fixture.officer.id);
    for (const digit of fixture.officer.pin)
      await page.locator(`.keypad-keys button[aria-label="${digit}"]`).click();
    expect(await page.locator('[data-testid="keypad-submit"]').isEnabled()).toBe(true);
    await page.locator('[data-testid="keypad-submit"]').click();
    expect(await waitForScreen(page, ['station-document'], 30_000)).toBe('station-document');
  }, 300_000);
});
