// The enrolment station's done screen for a child, in Debian's Chromium against a real hub: the child's
// name and member number and the guardian's terms read as one list, every label's right edge and every
// value's left edge in line, on both kiosk displays in Japanese and English. Screenshots:
// test-artifacts/station-e2e-done-aligned.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKiosk, typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import { sameFaceAs } from '../main/kiosk-test-hub.ts';
import { faces, liveness, modelId, signIn, upToGuardianConsent } from '../main/station-fixture.ts';
import {
  everywhere,
  expectScreenFitsEverywhere,
  screenshotsEverywhere,
} from './kiosk/screen-fits.ts';
import { until } from './kiosk/shop-rig.ts';
import { startStationInChromium, type StationInChromium } from './kiosk/station-in-chromium.ts';
import { stationButton, stationFrame } from './kiosk/station-screen-parts.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'station-e2e-done-aligned');

let rig: StationInChromium | null = null;
let shell: WebShell | null = null;
let browser: Browser | null = null;
let page: Page;
const pageLog: string[] = [];

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  rig = await startStationInChromium({
    prefix: 'facepay-station-done-aligned-e2e-',
    name: 'Chuo Ward Office',
    accounts: ['e2e-aligned-guardian', 'e2e-aligned-child'],
  });
  ({ shell, browser } = rig);
}, 300_000);

afterAll(async () => {
  await rig?.close();
  await assertNoProcessLeft();
});

/**
 * The done screen's rows (label and value) as laid out: the right edge of each label's text, the left
 * edge of each value's text, and each pair's tops, in CSS pixels.
 */
async function rowsLaidOut(): Promise<
  { label: string; labelRight: number; valueLeft: number; labelTop: number; valueTop: number }[]
> {
  return page.evaluate(() => {
    const textRects = (element: Element) => {
      const range = document.createRange();
      range.selectNodeContents(element);
      return [...range.getClientRects()];
    };
    return [...document.querySelectorAll('main dl dt')].map((dt) => {
      const dd = dt.nextElementSibling;
      if (dd === null || dd.tagName !== 'DD') throw new Error(`no value after ${dt.textContent}`);
      return {
        label: dt.textContent ?? '',
        labelRight: Math.max(...textRects(dt).map((rect) => rect.right)),
        valueLeft: Math.min(...textRects(dd).map((rect) => rect.left)),
        labelTop: dt.getBoundingClientRect().top,
        valueTop: dd.getBoundingClientRect().top,
      };
    });
  });
}

describe("the station's done screen for a child", () => {
  it("lines up the child's and the guardian's labels and values in one pair of columns", async () => {
    if (shell === null || browser === null) throw new Error('no rig');
    const service = shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    await signIn(service);
    const handlers = service.handlers;
    // The guardian enrolled, the child's document checked; the guardian consents with the limits and the
    // categories the child e2e sets (the longest row: four blocked categories).
    const guardianFace = await upToGuardianConsent(
      handlers,
      { accountId: 'e2e-aligned-guardian', name: 'Aoi Guardian' },
      { accountId: 'e2e-aligned-child', name: 'Mei Child', born: '2016-05-05' },
    );
    const consented = await handlers.enrolmentGuardian({
      modelId,
      descriptor: Array.from(sameFaceAs(guardianFace)),
      liveness,
      pin: '5829',
      limits: { perPaymentMax: 1_000, dailyMax: 1_500 },
      blockedCategories: ['alcohol', 'food', 'gambling', 'tobacco'],
    });
    expect(consented).toMatchObject({ ok: true, station: { enrolment: { step: 'id_photo' } } });
    await faces(handlers, syntheticFace());
    // The child's PIN and consent on the page: the done screen is the page's answer to Agree.
    page = await openKiosk(browser, shell.url, pageLog, { screens: ['station-pin'] });
    await typeDigits(page, '7391');
    await waitForScreen(page, ['station-pin-again'], 10_000);
    await typeDigits(page, '7391');
    await waitForScreen(page, ['station-consent'], 10_000);
    await page.locator('[data-testid="consent-agree"]').click();
    await waitForScreen(page, ['station-done'], 60_000);
    // A child's done screen: the guardian's terms below the child's name.
    expect(await page.locator('[data-testid="guardian-name"]').count()).toBe(1);
    await screenshotsEverywhere(page, artifacts, 'child-done');

    const faults: string[] = [];
    await everywhere(page, async (where) => {
      const rows = await rowsLaidOut();
      // Name, member number, guardian, per payment, daily, blocked.
      expect(rows, where).toHaveLength(6);
      const rights = rows.map((row) => row.labelRight);
      const lefts = rows.map((row) => row.valueLeft);
      const labelsSpread = Math.round(Math.max(...rights) - Math.min(...rights));
      const valuesSpread = Math.round(Math.max(...lefts) - Math.min(...lefts));
      if (labelsSpread > 1) faults.push(`labels' right edges ${labelsSpread} px apart at ${where}`);
      if (valuesSpread > 1) faults.push(`values' left edges ${valuesSpread} px apart at ${where}`);
      for (const row of rows) {
        if (row.valueLeft - row.labelRight < 16)
          faults.push(`"${row.label}" not clear of its value at ${where}`);
        if (Math.abs(row.valueTop - row.labelTop) > 1)
          faults.push(`"${row.label}" not on its value's row at ${where}`);
      }
    });
    expect(faults).toEqual([]);
    await expectScreenFitsEverywhere(page, {
      ...stationFrame(page),
      terms: page.locator('[data-testid="guardian-terms"]'),
      'next person': stationButton(page, 'enrol.done.next'),
    });
  }, 300_000);
});
