// The enrolment station's ID photo read while the face engine hangs, and the officer cancels meanwhile: the
// read, ended later by the unanswered-frame rule, never takes the station back to that photo step.
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
import type { EnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { startEnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { words } from './kiosk/locale-words.ts';
import { toPhoto } from './kiosk/station-photo-steps.ts';

const account = 'e2e-photo-cancelled';
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

describe('an ID photo read the officer cancelled', () => {
  it('is dropped when the hung engine gives it up, the station staying where the officer went', async () => {
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
    // The officer cancels while it reads: the document step of the next enrolment.
    await page.getByRole('button', { name: words('ja', 'enrol.cancel') }).click();
    expect(await waitForScreen(page, ['station-document'], 30_000)).toBe('station-document');
    // The read ends (dropped, or before the fix shown as the photo step's engine failure).
    const ended = async () =>
      (await page.evaluate(() => document.body.dataset['screen'])) !== 'station-document' ||
      (await marks(page)).some((mark) => mark.name === 'station_photo_read_dropped');
    await expect.poll(ended, { timeout: 60_000 }).toBe(true);
    expect(await page.evaluate(() => document.body.dataset['screen'])).toBe('station-document');
    expect(await page.locator('[data-testid="doc-account"]').inputValue()).toBe('');
  }, 300_000);
});
