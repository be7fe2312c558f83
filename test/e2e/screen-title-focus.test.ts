// Each screen hands the focus to its title when it appears (Debian's Chromium, real hub): a screen reader
// says which screen came, and Tab goes on into the screen instead of starting at the top bar's controls.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openKiosk,
  requestPayment,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import { officer } from '../main/station-fixture.ts';
import { until, useShopShellWithoutCamera } from './kiosk/shop-rig.ts';
import { startStationInChromium, type StationInChromium } from './kiosk/station-in-chromium.ts';

/** Where the focus is: the focused element's id, test id, text, and whether it comes after `main h1`. */
async function focusOf(page: Page) {
  return page.evaluate(() => {
    const active = document.activeElement;
    const title = document.querySelector('main h1');
    return {
      id: active?.id ?? '',
      testId: active?.getAttribute('data-testid') ?? '',
      text: active?.textContent?.trim() ?? '',
      inMain: active?.closest('main') !== null,
      afterTitle:
        title !== null &&
        active !== null &&
        (title.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0,
      titleId: title?.id ?? '',
    };
  });
}

/** The screen's title holds the focus, and one Tab goes to a control after it inside the screen. */
async function expectTitleFocusedThenTabIntoScreen(page: Page, titleId: string) {
  await until(async () => (await focusOf(page)).id === titleId, 10_000).catch(() => undefined);
  const before = await focusOf(page);
  expect(before, 'the title has the focus').toMatchObject({ id: titleId, titleId });
  await page.keyboard.press('Tab');
  const after = await focusOf(page);
  expect(after, 'Tab goes on into the screen').toMatchObject({ inMain: true, afterTitle: true });
  return after;
}

describe('the shop kiosk: each screen gives its title the focus', () => {
  // No camera in this browser: the payment's first screen says so and offers the member number.
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-screen-title-focus',
    prefix: 'facepay-title-focus-e2e-',
  });

  it("idle, then the till's payment: the title first, Tab into the screen, never the language switch", async () => {
    const page = await kiosk.openKiosk();
    // Idle: past the welcome, Tab reaches the staff corner, not the language switch above it.
    const fromIdle = await expectTitleFocusedThenTabIntoScreen(page, 'idle-title');
    expect(fromIdle.text).not.toBe('');

    const requested = await requestPayment(kiosk.shell().url, kiosk.rig().test.shop.tillToken, {
      amount: 480,
      reference: 'title-focus-1',
    });
    expect(requested.status).toBe(201);
    const screen = await page.waitForFunction(
      () => {
        const name = document.body.dataset['screen'];
        const title = document.querySelector('main h1');
        return name !== undefined && name !== 'idle' && title !== null && title.id !== 'idle-title'
          ? name
          : false;
      },
      undefined,
      { timeout: 30_000, polling: 25 },
    );
    const shown = (await screen.jsonValue()) as string;
    const titleId = (await focusOf(page)).titleId;
    const next = await expectTitleFocusedThenTabIntoScreen(page, titleId);
    expect(next.text, `Tab on ${shown} reaches one of its own buttons`).not.toBe('');
  }, 300_000);
});

describe('the enrolment station: each step gives its title the focus', () => {
  let rig: StationInChromium | null = null;

  beforeAll(async () => {
    rig = await startStationInChromium({
      prefix: 'facepay-station-title-focus-e2e-',
      name: 'Title Focus Ward Office',
      accounts: ['e2e-focus-adult'],
    });
  }, 300_000);

  afterAll(async () => {
    await rig?.close();
    await assertNoProcessLeft();
  });

  it('sign-in: the title, then Tab to the officer id; the document step: past Sign out to its fields', async () => {
    if (rig === null) throw new Error('no rig');
    const service = rig.shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    const page = await openKiosk(rig.browser, rig.shell.url, [], { screens: ['station-signin'] });

    const fromSignIn = await expectTitleFocusedThenTabIntoScreen(page, 'signin-title');
    expect(fromSignIn.testId).toBe('officer-id');

    await page.locator('[data-testid="officer-id"]').fill(officer.id);
    await typeDigits(page, officer.pin);
    await waitForScreen(page, ['station-document'], 20_000);
    const fromDocument = await expectTitleFocusedThenTabIntoScreen(page, 'station-title');
    // Sign out stands in the officer's bar above the title: Tab does not go back to it.
    expect(fromDocument.text).not.toMatch(/サインアウト|Sign out/);
  }, 300_000);
});
