// The enrolment station's screen keeps an officer's session alive while they type (a key or tap tells the
// service they are there, at most every stationIdleLockMs / 6) whatever the machine's wall clock does: set
// back 25 h, the page must still tell the service, or the service's idle lock, which counts elapsed time,
// signs a working officer out. Debian's Chromium on the web shell, a real hub; the page's clock is moved by
// Playwright (Date apart from performance.now), the service's elapsed time by vitest's fake performance.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  launchKioskBrowser,
  screenOf,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { stationIdleLockMs } from '../../src/shared/limits.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { EnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { startEnrolmentFixture } from './kiosk/enrolment-fixture.ts';

const hourMs = 3_600_000;
let fixture: EnrolmentFixture;
let browser: Browser | null = null;
const pageLog: string[] = [];
/** `station` calls the page sent over the kiosk API's socket. */
let stationCalls = 0;

beforeAll(async () => {
  fixture = await startEnrolmentFixture(['e2e-idle']);
}, 300_000);

afterAll(async () => {
  vi.useRealTimers();
  await browser?.close();
  await fixture?.close();
  await assertNoProcessLeft();
});

/**
 * The service's elapsed clock under the test's hand from here on, starting where the real one stands (a
 * PIN lock's readings must never see it go back).
 */
function takeServiceElapsedClock(): void {
  const realMs = performance.now();
  vi.useFakeTimers({ toFake: ['performance'] });
  vi.advanceTimersByTime(Math.ceil(realMs) + 1_000);
}

/** The station's page with its clock faked (it still flows), signed out; its `station` calls counted. */
async function stationPage(): Promise<Page> {
  browser = await launchKioskBrowser(fixture.liveClip);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.clock.install();
  await context.grantPermissions(['camera'], { origin: fixture.shell.url });
  const page = await context.newPage();
  page.on('console', (message) => pageLog.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => pageLog.push(`pageerror: ${error.message}`));
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => {
      const text = typeof frame.payload === 'string' ? frame.payload : '';
      if (text.includes('"method":"station"')) stationCalls += 1;
    });
  });
  await page.goto(fixture.shell.url);
  await waitForScreen(page, ['station-signin'], 30_000);
  return page;
}

/** Whether the page sends a `station` call within `ms` after `before` calls. */
async function stationCalledWithin(before: number, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until;) {
    if (stationCalls > before) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return stationCalls > before;
}

describe('the station page and a clock set back', () => {
  it('keeps telling the service a typing officer is there, so the idle lock (elapsed time) does not sign them out', async () => {
    const page = await stationPage();
    takeServiceElapsedClock();
    await page.locator('[data-testid="officer-id"]').fill(fixture.officer.id);
    await typeDigits(page, fixture.officer.pin);
    await waitForScreen(page, ['station-document'], 30_000);
    const { service } = fixture.shell.runtime;

    // The machine's clock is set back 25 h; the officer types a long form (no call) for most of the limit.
    await page.clock.setSystemTime((await page.evaluate(() => Date.now())) - 25 * hourMs);
    await page.clock.fastForward(stationIdleLockMs / 6 + 1_000);
    vi.advanceTimersByTime(stationIdleLockMs - 10_000);
    const before = stationCalls;
    await page.keyboard.press('Shift');
    expect(await stationCalledWithin(before, 5_000)).toBe(true);

    // Past the limit since sign-in, but not since the key: still signed in.
    vi.advanceTimersByTime(20_000);
    await service.lockIdleStation();
    expect(service.status().station?.officer).toBe(fixture.officer.id);
    expect(await screenOf(page)).toBe('station-document');
  }, 120_000);
});
