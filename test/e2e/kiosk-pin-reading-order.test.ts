// The shopper's and the station's PIN screens read as a PIN is typed (Tab, a screen reader; Chromium, real hub,
// both displays): title, name, amount, warning, then the keypad (digits, delete, OK), then Not me, Cancel, Back.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKiosk, typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import { faces, licence, signIn, upToGuardianConsent } from '../main/station-fixture.ts';
import { useKioskAskedToPay } from './kiosk/kiosk-asked.ts';
import { words } from './kiosk/locale-words.ts';
import { kioskDisplays } from './kiosk/screen-fits.ts';
import { until } from './kiosk/shop-rig.ts';
import { startStationInChromium, type StationInChromium } from './kiosk/station-in-chromium.ts';

/** What a person reads on a PIN screen, by selector, as the expected orders name it. */
const readParts: [selector: string, name: string][] = [
  ['h1', 'title'],
  ['.masked-name', 'name'],
  ['[data-testid="amount"]', 'amount'],
  ['.station-note', 'hint'],
  ['.pin-warning', 'warning'],
  ['[data-testid="guardian-terms"]', 'terms'],
  ['.keypad-display', 'keypad'],
];
/** Every control: named 'key <its label>' on the keypad (but its submit button), else by tag and words. */
const controls = 'button, input, select, textarea, a[href], [tabindex]';

interface ScreenParts {
  /** Each part of `main` in DOM order: 'title', 'name', ..., 'key 1', 'button OK'. */
  names: string[];
  /** Which of them Tab can reach (a control, not disabled). */
  focusable: boolean[];
  /** The index in `names` of the element with focus; -1 outside `main`, -2 none (the page's body). */
  focused: number;
}

/**
 * The screen's `main` as Tab and a screen reader walk it (no aria-owns, and tabindex only -1, on the title
 * the screen focuses from code): querySelectorAll answers its parts and controls in DOM order.
 */
async function screenParts(page: Page): Promise<ScreenParts> {
  return page.evaluate(
    ({ parts, controls }) => {
      const main = document.querySelector('main');
      if (main === null) throw new Error('no main on the page');
      const selector = [...parts.map(([partSelector]) => partSelector), controls].join(', ');
      const elements = [...main.querySelectorAll(selector)];
      const names = elements.map((element) => {
        const part = parts.find(([partSelector]) => element.matches(partSelector));
        if (part !== undefined) return part[1];
        if (element.matches('.keypad-keys .key:not([data-testid="keypad-submit"])'))
          return `key ${element.getAttribute('aria-label') ?? ''}`;
        return `${element.tagName.toLowerCase()} ${element.textContent?.trim() ?? ''}`;
      });
      const focusable = elements.map(
        (element) => element.matches(controls) && !element.matches(':disabled, [tabindex="-1"]'),
      );
      const active = document.activeElement;
      const focused =
        active === null || active === document.body
          ? -2
          : elements.indexOf(active) >= 0
            ? elements.indexOf(active)
            : -1;
      return { names, focusable, focused };
    },
    { parts: readParts, controls },
  );
}

/**
 * What Tab reaches in `main`, in turn, from the page's first control (focused by the test, as a click on a
 * key would move Tab's starting point to that key) until focus leaves the page or comes round again.
 */
async function tabOrder(page: Page): Promise<string[]> {
  await page.evaluate((selector) => {
    const all = [...document.querySelectorAll<HTMLElement>(selector)];
    all.find((control) => !control.matches(':disabled, [tabindex="-1"]'))?.focus();
  }, controls);
  const reached: number[] = [];
  let names: string[] = [];
  for (let press = 0; press < 60; press++) {
    const parts = await screenParts(page);
    names = parts.names;
    if (parts.focused === -2 || reached.includes(parts.focused)) break;
    if (parts.focused >= 0) reached.push(parts.focused);
    await page.keyboard.press('Tab');
  }
  return reached.map((index) => names[index] ?? `#${index}`);
}

/**
 * Where the parts stand: 'one column' (name, amount, warning, pad and buttons top to bottom), 'pad beside'
 * (the rest top to bottom in a column left of the pad, the buttons under the warning), or what is not so.
 */
async function layoutOf(page: Page): Promise<string> {
  return page.evaluate(() => {
    const side = [
      ...document.querySelectorAll(
        'main .masked-name, main [data-testid="amount"], main .station-note, main .pin-warning, main [data-testid="guardian-terms"]',
      ),
    ];
    // The screen's buttons: those after the keypad, not the station bar's Sign out.
    const actions = [
      ...document.querySelectorAll(
        'main .actions, main button:not(.key, .actions *, .station-bar *)',
      ),
    ];
    const pad = document.querySelector('main .keypad');
    if (pad === null) return 'no keypad';
    const box = (element: Element) => element.getBoundingClientRect();
    const stacked = (elements: Element[]) =>
      elements.every(
        (element, index) => index === 0 || box(element).top >= box(elements[index - 1]!).bottom - 1,
      );
    if (stacked([...side, pad, ...actions])) return 'one column';
    const besidePad = [...side, ...actions].every(
      (element) => box(element).right <= box(pad).left + 1,
    );
    if (stacked([...side, ...actions]) && besidePad) return 'pad beside';
    return `neither: ${JSON.stringify([...side, pad, ...actions].map((element) => box(element)))}`;
  });
}

/** The keypad as read: its display, the digits 1 to 9, delete, 0, then its submit button `submit`. */
function keypadRead(submit: string): string[] {
  const digits = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((digit) => `key ${digit}`);
  return ['keypad', ...digits, `key ${words('ja', 'keypad.delete')}`, 'key 0', `button ${submit}`];
}

/**
 * On both displays: `main` in the DOM's order is `expected`, Tab meets its controls in that order (with
 * digits typed so that the keypad's submit button can be reached, then deleted), and the parts stand as
 * `layouts` says (one column, or the pad beside the rest). Leaves the page at 1280x800.
 */
async function expectReadInOrder(
  page: Page,
  expected: string[],
  layouts: Record<string, string>,
): Promise<void> {
  const submit = page.locator('[data-testid="keypad-submit"]');
  let typed = 0;
  while (await submit.isDisabled()) {
    expect(typed, 'digits typed before the submit button could be reached').toBeLessThan(16);
    await page.locator('.keypad-keys button[aria-label="1"]').click();
    typed++;
  }
  for (const display of kioskDisplays) {
    await page.setViewportSize(display);
    const where = `${display.width}x${display.height}`;
    const parts = await screenParts(page);
    expect(parts.names, `DOM order at ${where}`).toEqual(expected);
    const controls = parts.names.filter((_, index) => parts.focusable[index] === true);
    expect(await tabOrder(page), `Tab order at ${where}`).toEqual(controls);
    expect(await layoutOf(page), `layout at ${where}`).toBe(layouts[where]);
  }
  await page.setViewportSize(kioskDisplays[0]);
  for (let deleted = 0; deleted < typed; deleted++)
    await page.locator('.keypad-keys .key-secondary').click();
  expect(await page.locator('[data-testid="keypad-value"]').textContent()).toBe('\u00a0');
}

const onePadBeside = { '1280x800': 'one column', '1024x600': 'pad beside' };

describe("the shopper's PIN screens: the keypad and OK before Not me, Cancel and Back", () => {
  const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-pin-reading-order');
  const { fixture, kioskAsked, pageLog } = useKioskAskedToPay(artifacts, 'e2e-pin-order');

  it('the PIN screen after a face match: title, name, amount, warning, keypad, Pay, then Not me and Cancel', async () => {
    const page = await kioskAsked(fixture().clips.live, 770);
    const shown = await waitForScreen(page, ['confirm', 'error'], 90_000);
    expect(shown, pageLog.slice(-20).join('\n')).toBe('confirm');
    const confirmName = await page.locator('[data-testid="masked-name"]').textContent();
    await page.locator('[data-testid="confirm-ok"]').click();
    await waitForScreen(page, ['pin'], 20_000);
    // The PIN screen names the person as the confirm did (「… 様」).
    expect(await page.locator('[data-testid="pin-masked-name"]').textContent()).toBe(confirmName);
    expect(confirmName).toMatch(/ 様$/);
    const actions = [
      `button ${words('ja', 'actions.notMe')}`,
      `button ${words('ja', 'actions.cancelPayment')}`,
    ];
    // The keypad's submit pays, and says so.
    const pad = keypadRead(words('ja', 'actions.pay'));
    await expectReadInOrder(page, ['title', 'name', 'amount', ...pad, ...actions], onePadBeside);

    // A wrong PIN: the warning (tries left) is read after the amount, before the keypad.
    await typeDigits(page, '1357');
    await page.locator('[data-testid="pin-warning"]').waitFor({ timeout: 20_000 });
    const withWarning = ['title', 'name', 'amount', 'warning', ...pad, ...actions];
    await expectReadInOrder(page, withWarning, onePadBeside);
  }, 240_000);

  it('the member number, then its PIN with the wrong-PIN warning: title, amount, keypad, Next or Pay, then Back', async () => {
    const page = await kioskAsked(fixture().clips.stranger, 690);
    await waitForScreen(page, ['face'], 30_000);
    await page.getByRole('button', { name: words('ja', 'actions.memberPin') }).click();
    await waitForScreen(page, ['member'], 10_000);
    const back = `button ${words('ja', 'actions.back')}`;
    const numberPad = keypadRead(words('ja', 'actions.next'));
    await expectReadInOrder(page, ['title', 'amount', ...numberPad, back], onePadBeside);

    await typeDigits(page, fixture().enrolled.person.memberNumber);
    const pinPad = keypadRead(words('ja', 'actions.pay'));
    await expectReadInOrder(page, ['title', 'amount', ...pinPad, back], onePadBeside);

    await typeDigits(page, '1357');
    await page.locator('[data-testid="pin-warning"]').waitFor({ timeout: 20_000 });
    await expectReadInOrder(page, ['title', 'amount', 'warning', ...pinPad, back], onePadBeside);
  }, 240_000);
});

describe("the station's PIN steps: the keypad and OK before Cancel", () => {
  let station: StationInChromium | null = null;
  let page: Page;
  const pageLog: string[] = [];

  beforeAll(async () => {
    station = await startStationInChromium({
      prefix: 'facepay-station-pin-order-e2e-',
      name: 'Chuo Ward Office',
      accounts: ['e2e-order-adult', 'e2e-order-guardian', 'e2e-order-child'],
    });
  }, 300_000);

  afterAll(async () => {
    await station?.close();
    await assertNoProcessLeft();
  });

  /** The station's top bar comes first: its Sign out, then the step's title. */
  const signOut = () => `button ${words('ja', 'enrol.signOut')}`;
  const cancel = () => `button ${words('ja', 'enrol.cancel')}`;

  it("the person's PIN, and with the PINs-differ warning: title, hint, warning, keypad, OK, then Cancel", async () => {
    if (station === null) throw new Error('no rig');
    const service = station.shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    await signIn(service);
    const started = await service.handlers.enrolmentDocument({
      accountId: 'e2e-order-adult',
      document: licence('Ren Ordering'),
    });
    expect(started).toMatchObject({ ok: true });
    await faces(service.handlers, syntheticFace());
    page = await openKiosk(station.browser, station.shell.url, pageLog, {
      screens: ['station-pin'],
    });
    const pad = keypadRead(words('ja', 'actions.ok'));
    const read = [signOut(), 'title', 'hint', ...pad, cancel()];
    await expectReadInOrder(page, read, onePadBeside);

    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-pin-again'], 10_000);
    await expectReadInOrder(page, read, onePadBeside);

    await typeDigits(page, '5830');
    await waitForScreen(page, ['station-pin'], 10_000);
    const withWarning = [signOut(), 'title', 'hint', 'warning', ...pad, cancel()];
    await expectReadInOrder(page, withWarning, onePadBeside);
    await page.getByRole('button', { name: words('ja', 'enrol.cancel') }).click();
    await waitForScreen(page, ['station-document'], 10_000);
  }, 300_000);

  it("the guardian's PIN: title, the terms they agree to, keypad, Agree, then Cancel", async () => {
    if (station === null) throw new Error('no rig');
    await upToGuardianConsent(
      station.shell.runtime.service.handlers,
      { accountId: 'e2e-order-guardian', name: 'Aoi Guardian' },
      { accountId: 'e2e-order-child', name: 'Mei Child', born: '2016-05-05' },
    );
    await page.reload();
    await waitForScreen(page, ['station-guardian-terms'], 30_000);
    await page.locator('[data-testid="guardian-terms-submit"]').click();
    await waitForScreen(page, ['station-guardian-pin'], 120_000);
    const pad = keypadRead(words('ja', 'enrol.guardian.consent'));
    // Beside the terms on every display, as on the 1280x800 one since the guardian's PIN step began.
    await expectReadInOrder(page, [signOut(), 'title', 'terms', ...pad, cancel()], {
      '1280x800': 'pad beside',
      '1024x600': 'pad beside',
    });
    await page.getByRole('button', { name: words('ja', 'enrol.cancel') }).click();
    await waitForScreen(page, ['station-document'], 10_000);
  }, 300_000);
});
