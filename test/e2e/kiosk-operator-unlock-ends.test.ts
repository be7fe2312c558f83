// The staff menu asks for the staff PIN again once the service's unlock (operatorUnlockMs) has ended, in
// Debian's Chromium against a real hub: by its own timer (the page's clock moved past the unlock, the
// service's elapsed clock too), and when a staff call is refused operator_locked while the menu is open (the
// service's unlock over while the page's timer has not run: Exit tapped). Before, the menu stayed open and
// every button answered "Locked: please wait", however long staff waited. The PIN pad says why, in ja and en.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { operatorUnlockMs } from '../../src/shared/limits.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { KioskTestHub } from '../main/kiosk-test-hub.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import { words } from './kiosk/locale-words.ts';
import { startShopRig } from './kiosk/shop-rig.ts';

let test: KioskTestHub;
let rendererDir = '';
let artifacts = '';
let browser: Browser | null = null;
let shell: WebShell | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  ({ test, rendererDir, artifacts } = await startShopRig({
    artifactsName: 'kiosk-e2e-operator-unlock-ends',
    prefix: 'facepay-unlock-ends-e2e-',
  }));
  shell = await startWebShell({
    config: { ...test.shop.config, hubUrl: test.hub.url },
    port: 0,
    rendererDir,
  });
  browser = await launchKioskBrowser(null);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
}, 300_000);

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  vi.useRealTimers();
  await browser?.close();
  await shell?.close();
  await closeKioskTestHub(test);
  await assertNoProcessLeft();
});

/**
 * The service's elapsed clock (its unlock's) under the test's hand from here on, starting where the real one
 * stands, as in station-idle-clock; moved past the unlock.
 */
function serviceUnlockRunsOut(): void {
  const realMs = performance.now();
  vi.useFakeTimers({ toFake: ['performance'] });
  vi.advanceTimersByTime(Math.ceil(realMs) + operatorUnlockMs + 1_000);
}

/** The kiosk, its page's clock under the test's hand (it still flows), the staff menu unlocked. */
async function staffMenu(): Promise<Page> {
  if (browser === null || shell === null) throw new Error('no rig');
  const page = await openKiosk(browser, shell.url, pageLog, {
    beforeOpen: (context) => context.clock.install(),
  });
  await page.getByRole('button', { name: words('ja', 'operator.open') }).click();
  await waitForScreen(page, ['operator'], 5_000);
  await typeDigits(page, test.shop.config.operatorPin ?? '');
  await page.locator('[data-testid="charge-keypad"]').waitFor();
  return page;
}

/** The staff PIN pad is back, saying the unlock ended (ja, then en), the menu's controls gone. */
async function expectPinAgain(page: Page, name: string): Promise<void> {
  await page
    .locator(`.keypad-display[aria-label="${words('ja', 'operator.pin')}"]`)
    .waitFor({ timeout: 5_000 });
  const ended = page.locator('[data-testid="operator-unlock-ended"]');
  expect(await ended.textContent()).toBe(words('ja', 'operator.unlockEnded'));
  expect(await page.locator('[data-testid="charge-keypad"]').count()).toBe(0);
  expect(await page.getByRole('button', { name: words('ja', 'operator.exit') }).count()).toBe(0);
  await page.screenshot({ path: path.join(artifacts, `ja-${name}.png`) });
  await page.locator('[data-testid="language-switch"]').click();
  expect(await ended.textContent()).toBe(words('en', 'operator.unlockEnded'));
  await page.screenshot({ path: path.join(artifacts, `en-${name}.png`) });
  await page.locator('[data-testid="language-switch"]').click();
}

describe('the staff menu once its unlock has ended', () => {
  it('asks for the staff PIN again by itself, and opens again on it', async () => {
    const page = await staffMenu();
    serviceUnlockRunsOut();
    await page.clock.fastForward(operatorUnlockMs + 1_000);
    await expectPinAgain(page, 'unlock-ended');

    await typeDigits(page, test.shop.config.operatorPin ?? '');
    await page.locator('[data-testid="charge-keypad"]').waitFor();
    expect(await page.locator('[data-testid="operator-unlock-ended"]').count()).toBe(0);
    await page.close();
  }, 120_000);

  it('asks for the staff PIN again when Exit is refused operator_locked', async () => {
    const page = await staffMenu();
    serviceUnlockRunsOut();
    await page.getByRole('button', { name: words('ja', 'operator.exit') }).click();
    await expectPinAgain(page, 'unlock-ended-on-exit');
    expect(await page.getByText(words('ja', 'operator.operator_locked')).count()).toBe(0);
    await page.close();
  }, 120_000);
});
