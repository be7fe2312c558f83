// The enrolment station after its live face step gave up on a hung face engine: Cancel, the document again,
// then the ID photo. The worker still owes the hung camera frame, and the photo's read gives up by the same
// unanswered-frame rule: the photo step says the face reader has stopped (never "reading" for good).
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { EnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { startEnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { words } from './kiosk/locale-words.ts';
import { toPhoto } from './kiosk/station-photo-steps.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'station-e2e-photo-after-engine-hung');
const account = 'e2e-hung-photo';
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

describe('the ID photo after a hung live face step', () => {
  it('says the face reader stopped instead of reading for good', async () => {
    if (fixture === null) throw new Error('no fixture');
    browser = await launchKioskBrowser(fixture.liveClip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, fixture.shell.url, pageLog, {
      screens: ['station-signin', 'station-document'],
    });
    await page.locator('[data-testid="officer-id"]').fill(fixture.officer.id);
    await typeDigits(page, fixture.officer.pin);
    await toPhoto(page, account, pageLog);
    // From here the face worker answers the ID photo only: every camera frame goes unanswered.
    for (const worker of page.workers()) {
      await worker.evaluate(() => {
        const post = self.postMessage.bind(self);
        self.postMessage = (message: unknown) => {
          if ((message as { type?: string }).type === 'still_read') post(message);
        };
      });
    }
    await page.locator('[data-testid="photo-file"]').setInputFiles(fixture.idPhoto);
    expect(await waitForScreen(page, ['station-live'], 60_000), pageLog.join('\n')).toBe(
      'station-live',
    );
    await page.locator('[data-testid="engine-failed"]').waitFor({ timeout: 30_000 });

    // Cancel, the document again, the ID photo again: its read waits on the worker's hung frame.
    await page.getByRole('button', { name: words('ja', 'enrol.cancel') }).click();
    await toPhoto(page, account, pageLog);
    await page.locator('[data-testid="photo-file"]').setInputFiles(fixture.idPhoto);
    await expect
      .poll(() => page.locator('[data-testid="photo-message"]').textContent(), {
        timeout: 30_000,
      })
      .toBe(words('ja', 'enrol.live.engineFailed'));
    expect(await waitForScreen(page, ['station-photo'], 1_000)).toBe('station-photo');
    await page.screenshot({ path: path.join(artifacts, 'ja-photo-engine-hung.png') });
    // Cancel still ends the enrolment.
    await page.getByRole('button', { name: words('ja', 'enrol.cancel') }).click();
    expect(await waitForScreen(page, ['station-document'], 30_000)).toBe('station-document');
  }, 300_000);
});
