// The enrolment station's ID photo accepted while its camera opens again slowly, and the officer cancels
// meanwhile: the read, once the camera answers, never takes the station to a live step, and that camera is off.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  marks,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { delayCamera, expectCameraOff, installCameraLog } from './kiosk/camera-log.ts';
import type { EnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { startEnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { words } from './kiosk/locale-words.ts';
import { toPhoto } from './kiosk/station-photo-steps.ts';

const account = 'e2e-photo-camera-cancelled';
/** How late the camera's second opening answers: far longer than a Cancel takes. */
const slowCameraMs = 20_000;
let fixture: EnrolmentFixture | null = null;
let browser: Browser | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  fixture = await startEnrolmentFixture([account]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
  await assertNoProcessLeft();
});

describe('an ID photo accepted while the camera opens again, the officer cancelling meanwhile', () => {
  it('is dropped once the camera answers: the desk stays, the camera is off', async () => {
    if (fixture === null) throw new Error('no fixture');
    browser = await launchKioskBrowser(fixture.liveClip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, fixture.shell.url, pageLog, {
      screens: ['station-signin', 'station-document'],
      beforeOpen: installCameraLog,
    });
    await page.locator('[data-testid="officer-id"]').fill(fixture.officer.id);
    await typeDigits(page, fixture.officer.pin);
    await toPhoto(page, account, pageLog);
    // The photo step's camera stops (no 'ended' event: the page still holds it), so the live step must open
    // it again after the photo is accepted; that opening answers late.
    await page.waitForFunction(() => (window.__streams ?? []).length === 1);
    await page.evaluate(() => {
      for (const track of window.__streams?.[0]?.getTracks() ?? []) track.stop();
    });
    await delayCamera(page, slowCameraMs);
    await page.locator('[data-testid="photo-file"]').setInputFiles(fixture.idPhoto);
    // The photo read and accepted, the camera opened again and its answer held: the officer cancels.
    await page.waitForFunction(() => (window.__streams ?? []).length === 2, undefined, {
      timeout: 120_000,
    });
    expect(await page.evaluate(() => document.body.dataset['screen'])).toBe('station-photo');
    await page.getByRole('button', { name: words('ja', 'enrol.cancel') }).click();
    expect(await waitForScreen(page, ['station-document'], 10_000)).toBe('station-document');
    // The camera answers (the read dropped, or before the fix the live step of the cancelled enrolment).
    const ended = async () =>
      (await page.evaluate(() => document.body.dataset['screen'])) !== 'station-document' ||
      (await marks(page)).some((mark) => mark.name === 'station_photo_read_dropped');
    await expect.poll(ended, { timeout: slowCameraMs + 30_000 }).toBe(true);
    expect(await page.evaluate(() => document.body.dataset['screen'])).toBe('station-document');
    expect(await page.locator('[data-testid="doc-account"]').inputValue()).toBe('');
    expect(fixture.shell.runtime.service.status().station?.enrolment ?? null).toBeNull();
    await expectCameraOff(page);
  }, 300_000);
});
