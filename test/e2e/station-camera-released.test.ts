// The enrolment station's camera is off when no step reads a face or photo, in Debian's Chromium against a
// real hub: at the ID photo step the camera is on; once the officer signs out, once the enrolment is
// cancelled back to the desk, and once the idle lock signs the officer out, every camera track the page
// opened has ended; each new enrolment opens it again. The page's
// getUserMedia is wrapped (the real camera still opens) to keep each stream it answered.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openKiosk, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { stationIdleLockMs } from '../../src/shared/limits.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import { licence, signIn } from '../main/station-fixture.ts';
import { expectCameraOff, expectCameraOn, installCameraLog } from './kiosk/camera-log.ts';
import { until } from './kiosk/shop-rig.ts';
import { startStationInChromium, type StationInChromium } from './kiosk/station-in-chromium.ts';
import { stationButton } from './kiosk/station-screen-parts.ts';

let station: StationInChromium | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  station = await startStationInChromium({
    prefix: 'facepay-station-camera-',
    name: 'Camera Desk',
    accounts: ['e2e-camera'],
  });
}, 300_000);

afterAll(async () => {
  vi.useRealTimers();
  await station?.close();
  await assertNoProcessLeft();
});

/**
 * The service's elapsed clock (the idle lock's) under the test's hand from here on, starting where the real
 * one stands, as in station-idle-clock.
 */
function takeServiceElapsedClock(): void {
  const realMs = performance.now();
  vi.useFakeTimers({ toFake: ['performance'] });
  vi.advanceTimersByTime(Math.ceil(realMs) + 1_000);
}

/** Signed in (by the service), a fresh document sent: the station waits for the ID photo. */
async function atPhotoStep(): Promise<void> {
  if (station === null) throw new Error('no rig');
  const service = station.shell.runtime.service;
  await signIn(service);
  const started = await service.handlers.enrolmentDocument({
    accountId: 'e2e-camera',
    document: licence('Kai Camera'),
  });
  expect(started).toMatchObject({ ok: true, station: { enrolment: { step: 'id_photo' } } });
}

describe("the enrolment station's camera", () => {
  it('is off after sign-out, back at the desk, and after the idle lock', async () => {
    if (station === null) throw new Error('no rig');
    const service = station.shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);

    await atPhotoStep();
    const page: Page = await openKiosk(station.browser, station.shell.url, pageLog, {
      screens: ['station-photo'],
      beforeOpen: installCameraLog,
    });
    await expectCameraOn(page, 1);
    await stationButton(page, 'enrol.signOut').click();
    await waitForScreen(page, ['station-signin'], 10_000);
    await expectCameraOff(page);

    // Cancelled at the photo step: the desk's document form, no camera.
    await atPhotoStep();
    await page.reload();
    await waitForScreen(page, ['station-photo'], 30_000);
    await expectCameraOn(page, 1);
    await stationButton(page, 'enrol.cancel').click();
    await waitForScreen(page, ['station-document'], 10_000);
    await expectCameraOff(page);

    // Left alone for the idle lock's time (the service's elapsed clock moved by the test): its lock's event
    // brings the sign-in back.
    await atPhotoStep();
    await page.reload();
    await waitForScreen(page, ['station-photo'], 30_000);
    await expectCameraOn(page, 1);
    takeServiceElapsedClock();
    vi.advanceTimersByTime(stationIdleLockMs + 1_000);
    await service.lockIdleStation();
    expect(service.status().station?.officer).toBeNull();
    await waitForScreen(page, ['station-signin'], 10_000);
    await expectCameraOff(page);
  }, 300_000);
});
