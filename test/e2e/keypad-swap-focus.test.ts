// A keypad that replaces another within one screen hands the focus on (Debian's Chromium, real hub): the
// member number's pad giving way to the PIN's, the station's "PIN again"; before, the focus fell to <body>.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openKiosk,
  requestPayment,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import { faces, licence, signIn } from '../main/station-fixture.ts';
import { words } from './kiosk/locale-words.ts';
import { until, useShopShellWithoutCamera } from './kiosk/shop-rig.ts';
import { startStationInChromium, type StationInChromium } from './kiosk/station-in-chromium.ts';

/** The focused element: its tag, id, test id and accessible label. */
async function focused(page: Page) {
  return page.evaluate(() => {
    const active = document.activeElement;
    return {
      tag: active?.tagName.toLowerCase() ?? '',
      id: active?.id ?? '',
      testId: active?.getAttribute('data-testid') ?? '',
      label: active?.getAttribute('aria-label') ?? '',
      text: active?.textContent?.trim() ?? '',
    };
  });
}

/** Waits (at most 10 s) for the focus to leave what `left` matched, then returns where it is. */
async function focusAfter(
  page: Page,
  moved: (now: Awaited<ReturnType<typeof focused>>) => boolean,
) {
  await until(async () => moved(await focused(page)), 10_000).catch(() => undefined);
  return focused(page);
}

describe("the shop kiosk's member number: the PIN pad takes the focus", () => {
  // No camera: the payment's first screen says so and offers the member number.
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-keypad-swap-focus',
    prefix: 'facepay-keypad-focus-e2e-',
  });

  it('after the member number, the PIN pad\'s display ("PIN") has the focus, and Tab goes on to its keys', async () => {
    const rig = kiosk.rig();
    const shell = kiosk.shell();
    const page = await kiosk.openKiosk();
    const requested = await requestPayment(shell.url, rig.test.shop.tillToken, {
      amount: 480,
      reference: 'keypad-focus-1',
    });
    expect(requested.status).toBe(201);
    await waitForScreen(page, ['camera'], 30_000);
    await page.getByRole('button', { name: words('ja', 'actions.memberPin') }).click();
    await waitForScreen(page, ['member'], 10_000);

    await typeDigits(page, '12345678');
    const pinLabel = words('ja', 'pin.label');
    await page.locator(`.keypad-display[aria-label="${pinLabel}"]`).waitFor({ timeout: 10_000 });
    const now = await focusAfter(page, (at) => at.tag !== 'body');
    expect(now, 'the PIN pad has the focus, not <body>').toMatchObject({
      testId: 'keypad-display',
      label: pinLabel,
    });
    await page.keyboard.press('Tab');
    expect((await focused(page)).label, 'Tab goes on to the first key').toBe('1');
  }, 300_000);
});

describe('the enrolment station: "PIN again" gives its title the focus', () => {
  let rig: StationInChromium | null = null;

  beforeAll(async () => {
    rig = await startStationInChromium({
      prefix: 'facepay-station-keypad-focus-e2e-',
      name: 'Keypad Focus Ward Office',
      accounts: ['e2e-keypad-focus-adult'],
    });
  }, 300_000);

  afterAll(async () => {
    await rig?.close();
    await assertNoProcessLeft();
  });

  it('the second PIN, then the first again (the two differ): each time the title says which', async () => {
    if (rig === null) throw new Error('no rig');
    const service = rig.shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    await signIn(service);
    const started = await service.handlers.enrolmentDocument({
      accountId: 'e2e-keypad-focus-adult',
      document: licence('Kei Focus'),
    });
    expect(started).toMatchObject({ ok: true });
    await faces(service.handlers, syntheticFace());
    const page = await openKiosk(rig.browser, rig.shell.url, [], { screens: ['station-pin'] });

    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-pin-again'], 10_000);
    const again = await focusAfter(page, (at) => at.tag !== 'body');
    expect(again, 'the title "PIN again" has the focus, not <body>').toMatchObject({
      id: 'station-title',
      text: words('ja', 'enrol.pin.again'),
    });

    await typeDigits(page, '5830');
    await waitForScreen(page, ['station-pin'], 10_000);
    const first = await focusAfter(page, (at) => at.tag !== 'body');
    expect(first, 'the title "choose a PIN" has the focus again').toMatchObject({
      id: 'station-title',
      text: words('ja', 'enrol.pin.first'),
    });
  }, 300_000);
});
