// The enrolment station's ID photo answered by the face worker only after the read gave it up as hung: the
// late answer's face descriptor, which nobody takes, is wiped (zeroed) in the page as it arrives.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { faceEngineAnswerMsMax } from '../../src/shared/limits.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { EnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { startEnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { words } from './kiosk/locale-words.ts';
import { toPhoto } from './kiosk/station-photo-steps.ts';

declare global {
  interface Window {
    /** Every still_read message the page's workers sent, as the page received it (watchStills). */
    __stills?: { ok: boolean; descriptor?: Float32Array }[];
  }
}

const account = 'e2e-photo-late-still';
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

/**
 * Before the page loads: each worker it starts also has a listener of the test's, which keeps every
 * still_read message (the same object the face reader is given).
 */
async function watchStills(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    window.__stills = [];
    const RealWorker = window.Worker;
    window.Worker = class extends RealWorker {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        this.addEventListener('message', (event: MessageEvent<{ type?: string }>) => {
          if (event.data.type === 'still_read') {
            window.__stills?.push(event.data as { ok: boolean; descriptor?: Float32Array });
          }
        });
      }
    };
  });
}

describe('an ID photo answered after the read gave it up', () => {
  it('has its descriptor zeroed in the page', async () => {
    if (fixture === null) throw new Error('no fixture');
    browser = await launchKioskBrowser(fixture.liveClip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, fixture.shell.url, pageLog, {
      screens: ['station-signin', 'station-document'],
      beforeOpen: watchStills,
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
    const stillsBefore = await page.evaluate(() => window.__stills?.length ?? 0);
    expect(stillsBefore).toBe(1);
    // From here the worker's still answers come late: after the read's limit, so the read gives it up.
    for (const worker of page.workers()) {
      await worker.evaluate((lateMs) => {
        const post = self.postMessage.bind(self);
        self.postMessage = (message: unknown) => {
          if ((message as { type?: string }).type === 'still_read') {
            setTimeout(() => post(message), lateMs);
          } else post(message);
        };
      }, faceEngineAnswerMsMax + 5_000);
    }
    await page.locator('[data-testid="photo-file"]').setInputFiles(fixture.idPhoto);
    await expect
      .poll(() => page.locator('[data-testid="photo-message"]').textContent(), {
        timeout: 60_000,
      })
      .toBe(words('ja', 'enrol.live.engineFailed'));
    expect(await page.evaluate(() => window.__stills?.length)).toBe(1);
    // The late answer: a face was read, and nothing of it is left in the page.
    await page.waitForFunction(() => (window.__stills?.length ?? 0) === 2, undefined, {
      timeout: 60_000,
    });
    const late = await page.evaluate(() => {
      const message = window.__stills?.[1];
      return {
        ok: message?.ok,
        length: message?.descriptor?.length ?? 0,
        nonZero: Array.from(message?.descriptor ?? []).filter((value) => value !== 0).length,
      };
    });
    expect(late).toEqual({ ok: true, length: 128, nonZero: 0 });
  }, 300_000);
});
