// The enrolment station's live face step with a face engine that hangs (Debian's Chromium, real hub): the
// worker answers the ID photo but never a camera frame, and after faceEngineAnswerMsMax (10 s: the ID photo's
// face read warmed the engine's models) the step says, under its own title (not "look at the camera"),
// in Japanese and English, that the face reader has stopped, with "try again" (a new session, which gives up
// the same way while it still hangs; at once the second time) and the enrolment's cancel. Before, "look at
// the camera" stayed for good: the station used no engine-failure limit. The guardian's face step is the same screen (StationLiveScreen).
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
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

const artifacts = path.join(repoRoot, 'test-artifacts', 'station-e2e-face-engine-hung');
let fixture: EnrolmentFixture | null = null;
let browser: Browser | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  fixture = await startEnrolmentFixture(['e2e-hung']);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
  await assertNoProcessLeft();
});

/**
 * The engine-failure title and words as the station shows them, in `language`; `focused`: the screen has just
 * come, and its title has the focus (a screen reader reads it out as a new screen).
 */
async function engineFailedWords(
  page: Page,
  language: 'ja' | 'en',
  focused: boolean,
): Promise<void> {
  await expect
    .poll(() => page.locator('[data-testid="engine-failed"]').textContent(), { timeout: 5_000 })
    .toBe(words(language, 'enrol.live.engineFailed'));
  expect(await page.locator('#station-title').textContent()).toBe(
    words(language, 'enrol.live.engineFailedTitle'),
  );
  if (focused) expect(await page.evaluate(() => document.activeElement?.id)).toBe('station-title');
  expect(await page.locator('[data-testid="live-retry"]').textContent()).toBe(
    words(language, 'enrol.retry'),
  );
  await page.screenshot({ path: path.join(artifacts, `${language}-engine-hung.png`) });
}

describe("the enrolment station's live face step with a hung face engine", () => {
  it('says the face reader stopped, with try again and cancel', async () => {
    if (fixture === null) throw new Error('no fixture');
    browser = await launchKioskBrowser(fixture.liveClip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, fixture.shell.url, pageLog, {
      screens: ['station-signin', 'station-document'],
    });
    await page.locator('[data-testid="officer-id"]').fill(fixture.officer.id);
    await typeDigits(page, fixture.officer.pin);
    await waitForScreen(page, ['station-document'], 30_000);
    await page.locator('[data-testid="doc-account"]').fill('e2e-hung');
    await page.locator('[data-testid="doc-type"]').selectOption('my_number_card');
    await page.locator('[data-testid="doc-number"]').fill('123456789018');
    await page.locator('[data-testid="doc-name"]').fill('Taro Talking');
    await page.locator('[data-testid="doc-birth"]').fill('1980-02-03');
    await page.locator('[data-testid="doc-expiry"]').fill('2034-02-03');
    await page.locator('[data-testid="doc-submit"]').click();
    expect(await waitForScreen(page, ['station-photo'], 30_000), pageLog.join('\n')).toBe(
      'station-photo',
    );
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
    // The ID photo's face was read with the same models: the engine is warm, and a camera frame gets
    // faceEngineAnswerMsMax (10 s), not the cold 40 s.
    await page.locator('[data-testid="engine-failed"]').waitFor({ timeout: 30_000 });
    await engineFailedWords(page, 'ja', true);
    const toggle = page.locator('[data-testid="language-switch"]');
    await toggle.click();
    await engineFailedWords(page, 'en', false);
    await toggle.click();

    // Try again: a new session (the camera back, "look at the camera"), which gives up the same way while the
    // worker hangs: its frame (maybe only slow) is given the warm limit once more, from the tap.
    await page.locator('[data-testid="live-retry"]').click();
    await page.locator('.camera-frame video').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="engine-failed"]').waitFor({ timeout: 30_000 });
    await engineFailedWords(page, 'ja', true);
    // Try again once more, the same frame unanswered: it has had its fresh limit, and the step gives up at
    // once (5 s, under the 10 s another fresh limit would take).
    await page.locator('[data-testid="live-retry"]').click();
    await page.locator('.camera-frame video').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="engine-failed"]').waitFor({ timeout: 5_000 });
    await engineFailedWords(page, 'ja', true);
    // Cancel: back to the document form, nothing enrolled.
    await page.getByRole('button', { name: words('ja', 'enrol.cancel') }).click();
    expect(await waitForScreen(page, ['station-document'], 30_000)).toBe('station-document');
  }, 300_000);
});
