// The enrolment station's sign-in, document check and consent on both kiosk displays (1280x800 and the smaller
// 1024x600), in Debian's Chromium against a real hub, in Japanese and English, the station long-named: each
// step's title, fields and buttons in view without scrolling the page, the top bar one row, the consent's
// words scrolling on their own. Screenshots: test-artifacts/station-e2e-desk-steps-fit.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKiosk, typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import { faces, licence, officer, signIn } from '../main/station-fixture.ts';
import { words } from './kiosk/locale-words.ts';
import {
  everywhere,
  expectScreenFitsEverywhere,
  keypadParts,
  kioskDisplays,
  screenshotsEverywhere,
} from './kiosk/screen-fits.ts';
import { until } from './kiosk/shop-rig.ts';
import { startStationInChromium, type StationInChromium } from './kiosk/station-in-chromium.ts';
import { topBarFaults } from './kiosk/top-bar-fits.ts';
import { stationButton, stationFrame } from './kiosk/station-screen-parts.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'station-e2e-desk-steps-fit');
/** A ward office's counter, as long as real ones: its name and the station's words share the top bar. */
const stationName = 'Chiyoda City Office, Resident Services Division';

let rig: StationInChromium | null = null;
let shell: WebShell | null = null;
let browser: Browser | null = null;
let page: Page;
const pageLog: string[] = [];

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  rig = await startStationInChromium({
    prefix: 'facepay-station-desk-fit-e2e-',
    name: stationName,
    accounts: ['e2e-desk-adult'],
  });
  ({ shell, browser } = rig);
}, 300_000);

afterAll(async () => {
  await rig?.close();
  await assertNoProcessLeft();
});

/** What the top bar reads in `language`: the station's name and what it is. */
const barName = (language: 'ja' | 'en') => `${stationName} · ${words(language, 'enrol.title')}`;

/** The step whole on both displays in both languages: its parts in view, the top bar one row. */
async function expectStepFits(name: string, parts: Record<string, Locator>): Promise<void> {
  await screenshotsEverywhere(page, artifacts, name);
  await expectScreenFitsEverywhere(page, parts);
  expect(await topBarFaults(page, barName)).toEqual([]);
}

/** The form's field labels that take more than one line, on each display in each language. */
async function wrappedFieldLabels(): Promise<string[]> {
  const wrapped: string[] = [];
  await everywhere(page, async (where) => {
    const labels = await page.evaluate(() =>
      [...document.querySelectorAll('main .field-label')].map((label) => {
        const range = document.createRange();
        range.selectNodeContents(label);
        const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
        return { text: label.textContent ?? '', lines: lines.size };
      }),
    );
    for (const label of labels.filter((one) => one.lines > 1))
      wrapped.push(`${where}: ${label.text} (${label.lines} lines)`);
  });
  return wrapped;
}

describe("the station's sign-in, document check and consent fit both kiosk displays", () => {
  it('the sign-in, and with the wrong-PIN message', async () => {
    if (shell === null || browser === null) throw new Error('no rig');
    const service = shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    page = await openKiosk(browser, shell.url, pageLog, { screens: ['station-signin'] });
    const signIn = {
      title: page.locator('#signin-title'),
      'officer id': page.locator('[data-testid="officer-id"]'),
      ...keypadParts(page),
    };
    await expectStepFits('signin', signIn);

    await page.locator('[data-testid="officer-id"]').fill(officer.id);
    await typeDigits(page, '000000');
    const message = page.locator('[data-testid="station-message"]');
    await message.waitFor({ timeout: 20_000 });
    await expectStepFits('signin-wrong', { message, ...signIn });

    await page.locator('[data-testid="officer-id"]').fill(officer.id);
    await typeDigits(page, officer.pin);
    await waitForScreen(page, ['station-document'], 20_000);
  }, 300_000);

  it('the document check: enrol (a licence, a passport with its MRZ), erase and unlock a PIN', async () => {
    if (shell === null) throw new Error('no rig');
    // Signed in by the sign-in's test; by the service when that one failed before it did.
    const service = shell.runtime.service;
    if (service.status().station?.officer == null) {
      await signIn(service);
      await page.reload();
    }
    await waitForScreen(page, ['station-document'], 30_000);
    const calibration = page.locator(
      '[data-testid="calibration-point"], [data-testid="no-calibration"]',
    );
    const form = {
      ...stationFrame(page),
      enrol: page.locator('[data-testid="desk-enrol"]'),
      'unlock PIN': page.locator('[data-testid="desk-unlock_pin"]'),
      'document type': page.locator('[data-testid="doc-type"]'),
      expiry: page.locator('[data-testid="doc-expiry"]'),
      submit: page.locator('[data-testid="doc-submit"]'),
    };
    await expectStepFits('document', {
      calibration,
      account: page.locator('[data-testid="doc-account"]'),
      ...form,
    });

    await page.locator('[data-testid="doc-type"]').selectOption('passport');
    await expectStepFits('document-passport', {
      calibration,
      account: page.locator('[data-testid="doc-account"]'),
      MRZ: page.locator('[data-testid="doc-mrz"]'),
      ...form,
    });
    // Three columns on the smaller display: a label on two lines pushes its field below its neighbours'.
    expect(await wrappedFieldLabels()).toEqual([]);

    // Erasing and unlocking are no enrolment: their step pills keep their place, unseen.
    const desk = Object.fromEntries(
      Object.entries(form).filter(([what]) => !what.endsWith(' step')),
    );
    await page.locator('[data-testid="desk-erase"]').click();
    await expectStepFits('document-erase', {
      MRZ: page.locator('[data-testid="doc-mrz"]'),
      ...desk,
    });
    await page.locator('[data-testid="desk-unlock_pin"]').click();
    await expectStepFits('document-unlock', desk);
    await page.locator('[data-testid="desk-enrol"]').click();
  }, 300_000);

  it('the consent: its words scroll on their own, Agree and Cancel stay in view', async () => {
    if (shell === null) throw new Error('no rig');
    const handlers = shell.runtime.service.handlers;
    const document = licence('Ren Consenting');
    const started = await handlers.enrolmentDocument({ accountId: 'e2e-desk-adult', document });
    expect(started).toMatchObject({ ok: true });
    await faces(handlers, syntheticFace());
    await page.reload();
    await waitForScreen(page, ['station-pin'], 30_000);
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-pin-again'], 10_000);
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-consent'], 10_000);
    const text = page.locator('[data-testid="consent-text"]');
    await expectStepFits('consent', {
      ...stationFrame(page),
      text,
      agree: page.locator('[data-testid="consent-agree"]'),
      cancel: stationButton(page, 'enrol.cancel'),
    });
    // Words taller than their room (a longer text, a larger font) scroll inside it, a few lines shown.
    for (const display of kioskDisplays) {
      await page.setViewportSize(display);
      const box = await text.evaluate((element) => ({
        height: element.clientHeight,
        scrolls: ['auto', 'scroll'].includes(getComputedStyle(element).overflowY),
      }));
      const where = `${display.width}x${display.height}`;
      expect(box, `consent text at ${where}`).toMatchObject({ scrolls: true });
      expect(box.height, `consent text at ${where}`).toBeGreaterThanOrEqual(120);
    }
    await page.setViewportSize(kioskDisplays[0]);
    await stationButton(page, 'enrol.cancel').click();
    await waitForScreen(page, ['station-document'], 10_000);
  }, 300_000);
});
