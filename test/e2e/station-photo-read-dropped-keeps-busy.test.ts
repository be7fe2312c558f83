// The enrolment station's ID photo read while the face engine hangs, cancelled, and the next document sent
// before the hung read ends: that read's drop leaves the document's submit off while its answer is awaited.
import type { Browser, BrowserContext, Page } from 'playwright-core';
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
import { fillDocument, toPhoto } from './kiosk/station-photo-steps.ts';

const account = 'e2e-photo-dropped-busy';
let fixture: EnrolmentFixture | null = null;
let browser: Browser | null = null;
const pageLog: string[] = [];

/** While true, the page's enrolmentDocument calls wait in `held` instead of reaching the service. */
let holdDocuments = false;
const held: string[] = [];
let release: (() => void) | null = null;

beforeAll(async () => {
  fixture = await startEnrolmentFixture([account]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
  await assertNoProcessLeft();
});

/** Before the page opens: its socket's enrolmentDocument calls can be held back (holdDocuments). */
async function routeSocket(context: BrowserContext): Promise<void> {
  await context.routeWebSocket(
    (url) => url.pathname === '/kiosk/v1/ws',
    (socket) => {
      const server = socket.connectToServer();
      release = () => {
        for (const message of held.splice(0)) server.send(message);
      };
      socket.onMessage((message) => {
        const method =
          typeof message === 'string' ? (JSON.parse(message) as { method?: string }).method : null;
        if (holdDocuments && method === 'enrolmentDocument' && typeof message === 'string') {
          held.push(message);
        } else server.send(message);
      });
    },
  );
}

const readDropped = async (page: Page) =>
  (await marks(page)).some((mark) => mark.name === 'station_photo_read_dropped');

describe("a dropped ID photo read and the next enrolment's document", () => {
  it("leaves the document's submit off while its answer is awaited", async () => {
    if (fixture === null) throw new Error('no fixture');
    browser = await launchKioskBrowser(fixture.liveClip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, fixture.shell.url, pageLog, {
      screens: ['station-signin', 'station-document'],
      beforeOpen: routeSocket,
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
    // Cancelled while it reads; the next document is sent, its answer held, before the read ends.
    await page.getByRole('button', { name: words('ja', 'enrol.cancel') }).click();
    holdDocuments = true;
    await fillDocument(page, account);
    await page.locator('[data-testid="doc-submit"]').click();
    await expect.poll(() => held.length, { timeout: 10_000 }).toBe(1);
    expect(await readDropped(page), 'the read ended before the document went out').toBe(false);
    await expect.poll(() => readDropped(page), { timeout: 60_000 }).toBe(true);
    // The read is dropped (the page's renders since done, two frames on): the document's answer is still
    // awaited, its submit still off.
    await page.evaluate(
      () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    );
    expect(await page.locator('[data-testid="doc-submit"]').isDisabled()).toBe(true);
    holdDocuments = false;
    release?.();
    expect(await waitForScreen(page, ['station-photo'], 30_000)).toBe('station-photo');
  }, 300_000);
});
